/**
 * Everything stormgate writes (RemediationRequests in etcd, receipts, /v1/signals, logs) comes from alerts,
 * and alerts sometimes carry credentials. Values that look like credentials are replaced before anything
 * is stored or answered: whole values under secret-sounding names, and secret-shaped substrings (tokens,
 * keys, passwords in URLs or in `key=value`, JSON and YAML text) anywhere, label names included. One
 * scrubber, applied once at the edge (scrubWebhook, from parseWebhook): downstream never sees the secret.
 */
export const redacted = '[REDACTED]';

const secretKeyWords =
  'pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|account[-_]?key|private[-_]?key|client[-_]?key|credentials?|authorization|auth[-_]?header|session[-_]?id|cookie|bearer';
/** A name that says its value is a secret (the whole value is replaced). */
const secretKey = new RegExp(secretKeyWords, 'i');

/** Secret shapes recognised anywhere in a text, whatever it is named. */
const secretPatterns: readonly RegExp[] = [
  // PEM (RSA, EC, PKCS#8, OpenSSH, encrypted) and PGP private key blocks, whole; a cut block to its end.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  // HTTP credentials after their scheme (capitalized, as sent): `Bearer <token>`, `Basic <base64>`. 16
  // characters at least, so that prose ("Basic authentication", "Token rotation") is left alone.
  /\b(?:Bearer|Basic|Token|Digest)\s+[A-Za-z0-9\-._~+/]{16,}=*/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API key
  /\bya29\.[0-9A-Za-z_-]{20,}/g, // Google OAuth access token
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub classic tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g, // GitHub fine-grained tokens
  /\bgl(?:pat|dt|rt|ptt|oas|cbt|imt|soat|ffct|agent)-[A-Za-z0-9_-]{20,}/g, // GitLab tokens
  /\bxox[abposre]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bxapp-\d-[A-Za-z0-9-]{10,}/g, // Slack app-level tokens
  /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g, // Slack webhooks
  /https:\/\/(?:[a-z0-9-]+\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]+\/[A-Za-z0-9_-]+/g, // Discord webhooks
  /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe keys
  /\bwhsec_[A-Za-z0-9]{16,}/g, // Stripe webhook secrets
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm tokens
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, // SendGrid keys
  /\bhv[sb]\.[A-Za-z0-9_-]{20,}/g, // HashiCorp Vault tokens
  /\bdop_v1_[a-f0-9]{64}\b/g, // DigitalOcean tokens
  // Azure: storage connection strings and SAS signatures.
  /\bAccountKey=[A-Za-z0-9+/=]{20,}/g,
  /\bSharedAccessKey=[A-Za-z0-9+/=]{20,}/g,
  /(?<=[?&]sig=)[A-Za-z0-9%+/=]{16,}/g,
];

// scheme://user:password@host, the user possibly empty (redis://:pw@host) and the password holding '@' or
// ':' (unescaped, as people write them): up to the last '@' before the path. Every part is bounded, so a
// hostile value costs linear time.
const urlUserinfo = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@]{0,256}):[^\s/]{0,256}@/gi;
// key=value, key: value, "key": "value", key='quoted value with spaces' (an unclosed quote: to the end of
// the line); the value may start with an HTTP scheme word (`Authorization: Bearer abc…`), which goes with it.
const secretAssignment = new RegExp(
  `(?<name>${secretKeyWords})(?<separator>["']?\\s{0,8}[=:]\\s{0,8})(?<value>"[^"\\n]{0,4096}"|'[^'\\n]{0,4096}'|["'][^\\n]{0,4096}|(?:(?:Bearer|Basic|Token)\\s{1,8})?[^\\s"'&,;]{1,4096})`,
  'gi',
);

/** A secret value replaced, its quotes kept. */
function redactedValue(value: string): string {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  const closed = quote !== '' && value.length > 1 && value.endsWith(quote);
  return `${quote}${redacted}${closed ? quote : ''}`;
}

/**
 * A substring that every expression above needs to match (the secret-sounding names, each token's prefix,
 * `://` for URLs), compared without case: a value with none of them cannot hold a secret shape, so the
 * expressions are not run on it. Most label values (pod names, namespaces, severities) have none.
 */
const secretHint = new RegExp(
  [
    secretKeyWords,
    'begin ', 'basic', 'digest', 'eyJ', 'akia', 'asia', 'agpa', 'aida', 'aroa', 'anpa', 'aiza', 'ya29\\.',
    'gh[pousr]_', 'github_pat_', 'gl(?:pat|dt|rt|ptt|oas|cbt|imt|soat|ffct|agent)-', 'xox', 'xapp-', '://',
    '[rs]k_(?:live|test)_', 'whsec_', 'npm_', 'sg\\.', 'hv[sb]\\.', 'dop_v1_', 'accountkey=', 'sharedaccesskey=', 'sig=',
  ].join('|'),
  'i',
);

/** Every secret shape in `value` replaced, without the pre-check (for its tests). */
export function scrubTextFully(value: string): string {
  let scrubbed = value;
  for (const pattern of secretPatterns) scrubbed = scrubbed.replace(pattern, redacted);
  return scrubbed
    .replace(urlUserinfo, `$1:${redacted}@`)
    .replace(secretAssignment, (...match: unknown[]) => {
      // The named groups: none is optional, so a match has all three.
      const { name, separator, value } = match.at(-1) as { name: string; separator: string; value: string };
      return `${name}${separator}${redactedValue(value)}`;
    });
}

function scrubText(value: string): string {
  return secretHint.test(value) ? scrubTextFully(value) : value;
}

/** A value as it may be written: redacted whole under a secret-sounding name, else with secret shapes replaced. */
export function scrubValue(key: string, value: string): string {
  if (secretKey.test(key)) return redacted;
  return scrubText(value);
}

/** A name (label or annotation) as it may be written: secret shapes in it replaced. */
export function scrubName(name: string): string {
  return scrubText(name);
}

/** Every entry scrubbed, names included; a name that collides once scrubbed keeps the first value. */
export function scrubRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const scrubbed = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    const name = scrubName(key);
    if (!scrubbed.has(name)) scrubbed.set(name, scrubValue(key, value));
  }
  // fromEntries defines properties: a `__proto__` label stays a label (assignment would set the prototype).
  return Object.fromEntries(scrubbed);
}

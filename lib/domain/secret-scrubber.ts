/**
 * Alert labels and annotations end up in etcd (the RemediationRequest) and in logs. Values that look
 * like credentials are replaced before they get there: whole values under secret-sounding keys, and
 * secret-shaped substrings (tokens, keys, passwords in URLs or `key=value` text) anywhere.
 */
export const redacted = '[REDACTED]';

const secretKey = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|authorization|auth[-_]?header|session[-_]?id|cookie|bearer)/i;

const secretPatterns: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]{8,}=*/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub token
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack token
  /\bsk_(live|test)_[A-Za-z0-9]{16,}/g, // Stripe key
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab token
];

// user:password@ in URLs, and key=value / key: value pairs whose key sounds secret.
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+):[^\s/@]+@/gi;
const secretAssignment = new RegExp(`(?<name>${secretKey.source})(?<separator>["']?\\s*[=:]\\s*["']?)[^\\s"'&,;]+`, 'gi');

export function scrubValue(key: string, value: string): string {
  if (secretKey.test(key)) return redacted;
  let scrubbed = value
    .replace(urlUserinfo, `$1:${redacted}@`)
    .replace(secretAssignment, `$<name>$<separator>${redacted}`);
  for (const pattern of secretPatterns) scrubbed = scrubbed.replace(pattern, redacted);
  return scrubbed;
}

export function scrubRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, scrubValue(key, value)]));
}

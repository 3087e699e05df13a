import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { redacted, scrubName, scrubRecord, scrubTextFully, scrubValue } from '../../../lib/domain/secret-scrubber.js';
import { secretCorpus } from '../../support/secret-corpus.js';

describe('scrubValue', () => {
  it.each([
    ['password', 'hunter2'],
    ['db_password', 'hunter2'],
    ['api_key', 'abc'],
    ['apiKey', 'abc'],
    ['client_secret', 'abc'],
    ['x-auth-token', 'abc'],
    ['Authorization', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'],
    ['private_key', 'abc'],
  ])('redacts the whole value under a secret-sounding key: %s', (key, value) => {
    expect(scrubValue(key, value)).toBe(redacted);
  });

  it.each([
    ['a password in key=value text', 'login failed: password=hunter2 for user app', 'login failed: password=[REDACTED] for user app'],
    ['a token in key: value text', 'refresh token: abc123 expired', 'refresh token: [REDACTED] expired'],
    ['a quoted JSON secret', '{"client_secret": "s3cr3t", "user": "app"}', '{"client_secret": "[REDACTED]", "user": "app"}'],
    ['URL credentials', 'cannot reach https://admin:s3cr3t@db.example:5432/app', 'cannot reach https://admin:[REDACTED]@db.example:5432/app'],
    ['a bearer token', 'sent Bearer abcdefghijklmnop1234 upstream', 'sent [REDACTED] upstream'],
    ['a JWT', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ24 rejected', 'jwt [REDACTED] rejected'],
    ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE leaked', 'key [REDACTED] leaked'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789 in env', '[REDACTED] in env'],
    ['a Slack token', 'webhook xoxb-1234567890-abcdefghij failed', 'webhook [REDACTED] failed'],
    ['a PEM private key', 'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'key: [REDACTED]'],
  ])('redacts %s inside text', (_case, value, expected) => {
    expect(scrubValue('description', value)).toBe(expected);
  });

  it.each([
    ['summary', 'Pod payments/checkout-7d9f8b6c5-x2x4q is crash looping'],
    ['runbook_url', 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping'],
    ['description', 'Cache key_prefix=sessions has 95% misses'],
    ['summary', 'Token bucket of the API gateway is exhausted'],
    ['pod', 'keycloak-0'],
    ['dashboard', 'http://grafana:3000/d/x?var-email=alice@example.com'],
    ['registry', 'http://verdaccio:4873/@scope/pkg'],
    ['summary', 'Basic authentication failed; Token rotation pending; Digest mismatch'],
    ['description', 'tests passed: 97, tokens: 0, passthrough=true'],
    ['summary', 'constructor failed'],
  ])('leaves ordinary values alone: %s', (key, value) => {
    expect(scrubValue(key, value)).toBe(value);
  });

  it('scrubs every entry of a record and keeps its keys', () => {
    expect(scrubRecord({ alertname: 'DBDown', password: 'x', summary: 'password=y' })).toEqual({
      alertname: 'DBDown',
      password: redacted,
      summary: `password=${redacted}`,
    });
  });
});

describe('the secret corpus', () => {
  it(`has at least 50 shapes (${secretCorpus.length})`, () => {
    expect(new Set(secretCorpus.map((entry) => entry.shape)).size).toBeGreaterThanOrEqual(50);
  });

  it.each(secretCorpus.map((entry) => [entry.shape, entry] as const))('leaves no trace of a %s in a value', (_shape, entry) => {
    const scrubbed = scrubValue('description', entry.text);
    expect(scrubbed).not.toContain(entry.secret);
    expect(scrubbed).toContain(redacted);
  });

  it.each(secretCorpus.map((entry) => [entry.shape, entry] as const))('leaves no trace of a %s in a label name', (_shape, entry) => {
    const names = Object.keys(scrubRecord({ [entry.text]: 'value', alertname: 'DBDown' }));
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).not.toContain(entry.secret);
  });

  it('keeps names that are also names of Object.prototype', () => {
    expect(scrubRecord({ constructor: 'a', toString: 'b', valueOf: 'c' })).toEqual({ constructor: 'a', toString: 'b', valueOf: 'c' });
  });

  it('scrubs a name as it scrubs text, and keeps ordinary names', () => {
    expect(scrubName('ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe(redacted);
    expect(scrubName('kubernetes_namespace')).toBe('kubernetes_namespace');
  });
});

describe('a secret value in key=value text is replaced with its quotes kept', () => {
  it.each([
    ['double-quoted', 'password="hunter 2" next', `password="${redacted}" next`],
    ['single-quoted', "password='hunter 2' next", `password='${redacted}' next`],
    ['unquoted', 'password=hunter2 next', `password=${redacted} next`],
    ['JSON', '{"password": "hunter2"}', `{"password": "${redacted}"}`],
    // An unclosed quote runs to the end of the line: the quote is kept, no closing one is invented.
    ['with an unclosed quote', 'password="hunter2', `password="${redacted}`],
    ['that is a lone quote', "token='", `token='${redacted}`],
  ])('%s', (_, text, expected) => {
    expect(scrubValue('description', text)).toBe(expected);
  });
});

describe('scrubRecord when two names are the same once scrubbed', () => {
  it('keeps the first value and drops the second', () => {
    const first = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const second = 'ghp_zyxwvutsrqponmlkjihgfedcba9876543210';
    expect(scrubRecord({ [first]: 'one', [second]: 'two' })).toEqual({ [redacted]: 'one' });
  });
});

describe('the pre-check that skips the expressions for values without any secret hint', () => {
  it('never skips a value of the corpus: each is scrubbed exactly as the expressions alone scrub it', () => {
    for (const { text, secret } of secretCorpus) {
      expect(scrubName(text)).toBe(scrubTextFully(text));
      expect(scrubName(secret)).toBe(scrubTextFully(secret));
    }
  });

  it('skips nothing the expressions would change, in values made of pieces of secrets, separators and any unicode', () => {
    // Pieces of every shape (prefixes, cut tokens, names, separators) in any case, so that a hint the
    // pre-check lacks, or a case it compares wrongly, shows up as a difference.
    const pieces = [
      ...secretCorpus.flatMap(({ text, secret }) => [text, secret, secret.slice(0, 6), secret.slice(0, 12), text.slice(0, 16)]),
      '=', ': ', '"', "'", ' ', '://', '@', '?sig=', '&', 'Bearer ', 'token=', 'PASSWORD: ', '-----BEGIN RSA PRIVATE KEY-----',
      // Letters that fold to ASCII only in a Unicode-aware comparison (ſ → s, K → k): the pre-check and the
      // expressions must agree on them.
      '\u017Fecret=', 'to\u212Aen: ', 'pa\u017F\u017Fword=',
    ];
    const piece = fc.oneof(
      fc.constantFrom(...pieces),
      fc.constantFrom(...pieces).map((text) => text.toUpperCase()),
      fc.constantFrom(...pieces).map((text) => text.toLowerCase()),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.stringMatching(/^[A-Za-z0-9_\-./+=]{1,40}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (parts) => {
        const value = parts.join('');
        expect(scrubName(value)).toBe(scrubTextFully(value));
      }),
      { seed: 20261201, numRuns: 5_000 },
    );
  });

  it('leaves ordinary label values as they are', () => {
    for (const value of ['checkout-7d9f8b6c5-x2x7k', 'KubePodCrashLooping', 'critical', 'shop', 'ip-10-0-12-7.ec2.internal', '99.5']) {
      expect(scrubName(value)).toBe(value);
    }
  });
});


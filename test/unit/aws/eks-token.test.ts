import { describe, expect, it } from '@jest/globals';
import { EksTokenSource } from '../../../lib/aws/eks-token.js';

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' });

function decode(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  expect(token).not.toMatch(/=/);
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
}

describe('EksTokenSource', () => {
  it('mints a presigned STS GetCallerIdentity URL that signs the cluster name header', async () => {
    const source = new EksTokenSource({ clusterName: 'prod-eu', region: 'eu-west-1', credentials, now: () => new Date('2026-11-21T10:00:00Z') });
    const url = decode(await source.token());
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261121/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261121T100000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': 'session-token',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs per cluster and per time', async () => {
    const at = (clusterName: string, time: string) => new EksTokenSource({ clusterName, region: 'eu-west-1', credentials, now: () => new Date(time) }).token();
    const base = await at('prod-eu', '2026-11-21T10:00:00Z');
    expect(await at('prod-eu', '2026-11-21T10:00:00Z')).toBe(base);
    expect(await at('staging', '2026-11-21T10:00:00Z')).not.toBe(base);
    expect(await at('prod-eu', '2026-11-21T10:00:01Z')).not.toBe(base);
  });

  it('caches a token for 10 of its 15 minutes, then mints a new one', async () => {
    let now = new Date('2026-11-21T10:00:00Z');
    let minted = 0;
    const counting = async () => {
      minted += 1;
      return credentials();
    };
    const source = new EksTokenSource({ clusterName: 'prod-eu', region: 'eu-west-1', credentials: counting, now: () => now });
    const first = await source.token();
    now = new Date('2026-11-21T10:09:59Z');
    expect(await source.token()).toBe(first);
    expect(source.expiresAt()).toEqual(new Date('2026-11-21T10:15:00Z'));
    now = new Date('2026-11-21T10:10:00Z');
    expect(await source.token()).not.toBe(first);
    expect(minted).toBe(2);
  });
});

import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { loadConfig, requireCredentials, requireKube, requireRedis } from '../../../lib/config/index.js';
import { ConfigError } from '../../../lib/errors.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      namespace: 'stormgate',
      credentials: [],
      fingerprintStrategy: 'resource',
      webhookLimits: { maxAlerts: 1000, maxLabelsPerAlert: 64, maxLabelValueLength: 1024, maxAnnotationValueLength: 16_384 },
      rateBudget: { alertsPerSecond: 100, burst: 5000 },
      storm: { threshold: 5, detectionWindowSeconds: 60, inactivitySeconds: 60, maxWindowSeconds: 300, resourceCap: 200 },
      dedup: { idleTtlSeconds: 86_400, closedTtlSeconds: 21_600, haWindowSeconds: 120, retryHorizonSeconds: 21_600, statusWriteIntervalSeconds: 10 },
      sweepIntervalSeconds: 5,
      maxBodyBytes: 1_048_576,
      functions: { dedup: 'stormgate-dedup', stormAggregator: 'stormgate-storm-aggregator' },
    });
    expect(config.redis).toBeUndefined();
  });

  it('reads standalone and cluster Redis, TLS from rediss://', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example:6379' }).redis).toEqual({ mode: 'standalone', url: 'rediss://cache.example:6379', tls: true });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001', REDIS_TLS: 'true' }).redis).toEqual({
      mode: 'cluster',
      nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }],
      tls: true,
    });
  });

  it('reads AUTH_TOKENS as hashed credentials with tenants, for rotation', () => {
    const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
    const hashed = sha256('a-token-stored-only-as-a-hash');
    expect(loadConfig({ AUTH_TOKENS: `old-token-0123456789, new-token-0123456789,,team-a=team-a-token-0123, team-b=sha256:${hashed.toUpperCase()}` }).credentials).toEqual([
      { tenant: 'default', sha256: sha256('old-token-0123456789') },
      { tenant: 'default', sha256: sha256('new-token-0123456789') },
      { tenant: 'team-a', sha256: sha256('team-a-token-0123') },
      { tenant: 'team-b', sha256: hashed },
    ]);
  });

  it('never keeps a plain token in the configuration', () => {
    expect(JSON.stringify(loadConfig({ AUTH_TOKENS: 'plain-token-0123456789' }))).not.toContain('plain-token-0123456789');
  });

  it('prefers KUBECONFIG over KUBE_API_URL', () => {
    expect(loadConfig({ KUBECONFIG: '/k', KUBE_API_URL: 'https://k8s:6443' }).kube).toEqual({ mode: 'kubeconfig', path: '/k' });
    expect(loadConfig({ KUBE_API_URL: 'https://k8s:6443', KUBE_TOKEN: 't' }).kube).toEqual({ mode: 'token', server: 'https://k8s:6443', token: 't' });
  });

  it('accepts a fractional rate budget', () => {
    expect(loadConfig({ TENANT_RATE_ALERTS_PER_SECOND: '0.5' }).rateBudget.alertsPerSecond).toBe(0.5);
  });

  it('picks the cluster auth mode: EKS token, kubeconfig from Secrets Manager, or API URL with CA', () => {
    expect(loadConfig({ KUBE_API_URL: 'https://eks.example', EKS_CLUSTER_NAME: 'prod', KUBE_CA_DATA: 'LS0t\nLS0=' }).kube).toEqual({
      mode: 'eks',
      server: 'https://eks.example',
      clusterName: 'prod',
      caData: 'LS0tLS0=',
    });
    expect(loadConfig({ KUBECONFIG_SECRET_ID: 'stormgate/kubeconfig' }).kube).toEqual({ mode: 'kubeconfig-secret', secretId: 'stormgate/kubeconfig' });
    expect(() => loadConfig({ EKS_CLUSTER_NAME: 'prod' })).toThrow(/EKS_CLUSTER_NAME needs KUBE_API_URL/);
  });

  it('is frozen', () => {
    const config = loadConfig({ STORM_THRESHOLD: '7' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.storm)).toBe(true);
  });

  it.each([
    [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_CLUSTER_NODES: 'cache' }, /REDIS_CLUSTER_NODES/],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }, /either REDIS_URL or REDIS_CLUSTER_NODES/],
    [{ STORM_THRESHOLD: 'five' }, /STORM_THRESHOLD/],
    [{ MAX_BODY_BYTES: '-1' }, /MAX_BODY_BYTES/],
    [{ RR_NAMESPACE: 'Not_A_Namespace' }, /RR_NAMESPACE/],
    [{ LOG_LEVEL: 'LOUD' }, /LOG_LEVEL/],
    [{ AUTH_TOKENS: 'short' }, /AUTH_TOKENS.*at least 16 characters/],
    [{ FINGERPRINT_STRATEGY: 'labels' }, /FINGERPRINT_STRATEGY/],
    [{ TENANT_RATE_BURST: '0' }, /TENANT_RATE_BURST/],
    [{ TENANT_RATE_ALERTS_PER_SECOND: '-1' }, /TENANT_RATE_ALERTS_PER_SECOND/],
  ])('fails fast naming the variable: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names the missing variable when a function needs it', () => {
    const config = loadConfig({});
    expect(() => requireRedis(config)).toThrow(/REDIS_URL or REDIS_CLUSTER_NODES/);
    expect(() => requireKube(config)).toThrow(/KUBECONFIG, KUBECONFIG_SECRET_ID or KUBE_API_URL/);
    expect(() => requireCredentials(config)).toThrow(/AUTH_TOKENS/);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';
import { SecretsManagerStandin } from '../support/secrets-manager-standin.js';

describe('accepted tokens kept in Secrets Manager (as deployed)', () => {
  let secrets: SecretsManagerStandin;
  let it_: IntegrationStack;

  beforeAll(async () => {
    secrets = await SecretsManagerStandin.start({ 'stormgate/auth-tokens': 'team-a=secret-token-0123456789,rotated-token-0123456789' });
    it_ = await startIntegrationStack('standalone', {
      AUTH_TOKENS: '',
      AUTH_TOKENS_SECRET_ID: 'stormgate/auth-tokens',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      STORM_HOLD_SECONDS: '0',
    });
  });
  afterEach(() => it_?.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
    await secrets?.stop();
  });

  it('accepts every token of the secret with its tenant, and nothing else', async () => {
    expect((await it_.post(webhook([alert()]), { Authorization: 'Bearer secret-token-0123456789' })).status).toBe(202);
    expect((await it_.post(webhook([alert()]), { Authorization: 'Bearer rotated-token-0123456789' })).status).toBe(202);
    expect((await it_.post(webhook([alert()]), { Authorization: `Bearer ${it_.token}` })).status).toBe(401);
    await it_.stack.runtime.drain();
    expect(it_.requests().map((request) => request.metadata.labels?.['stormgate.dev/tenant']).sort()).toEqual(['default', 'team-a']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, webhook } from '../support/builders/webhook.js';
import type { IntegrationStack } from '../support/integration-stack.js';
import { secretCorpus } from '../support/secret-corpus.js';

/**
 * No secret leaves stormgate: every shape of the corpus, in label values and names, annotations, the
 * alertname, the target's name and the group key, is absent from the RemediationRequests, the receipts,
 * /v1/signals and the logs.
 */
describe('scrubbing, end to end', () => {
  let it_: IntegrationStack;
  const logged: string[] = [];
  let restoreStdout: (() => void) | undefined;

  beforeAll(async () => {
    // Set and captured before the logger is first imported: it reads its level and binds the stream's
    // write when it is made (test/support/jest-env.ts keeps other tests quiet).
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
    restoreStdout = () => {
      process.stdout.write = write;
    };
    const { startIntegrationStack } = await import('../support/integration-stack.js');
    it_ = await startIntegrationStack('standalone', { STORM_THRESHOLD: '1000', LOG_LEVEL: 'DEBUG', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  });
  afterAll(async () => {
    restoreStdout?.();
    await it_?.checkAndReset();
    await it_?.stop();
  });

  it(`keeps all ${secretCorpus.length} secret shapes out of requests, receipts, /v1/signals and logs`, async () => {
    const alerts = secretCorpus.map((entry, index) =>
      alert({
        labels: {
          alertname: `Leak ${entry.text}`,
          namespace: `scrub-${index}`,
          pod: `api-${index} ${entry.text}`,
          team: entry.text,
          ...(entry.text.length <= 256 && { [entry.text]: 'set' }),
        },
        annotations: { description: `see ${entry.text}` },
      }),
    );
    const groupKey = `{}:{alertname="Leak", detail="${secretCorpus.map((entry) => entry.text).join(' ')}"}`.slice(0, 8192);
    const response = await it_.post(JSON.stringify(webhook(alerts, { groupKey, groupLabels: { alertname: 'Leak' } })));
    const receipt = await response.text();
    expect(response.status).toBe(202);
    await it_.stack.runtime.drain();
    const requests = it_.requests();
    expect(requests).toHaveLength(secretCorpus.length);
    const fingerprints = (JSON.parse(receipt) as { alerts: { fingerprint: string }[] }).alerts.map((entry) => entry.fingerprint);
    const decisions = await Promise.all(
      fingerprints.map(async (fingerprint) => (await fetch(`${it_.stack.url}/v1/signals/${fingerprint}`, { headers: { Authorization: `Bearer ${it_.token}` } })).text()),
    );
    const written = { requests: JSON.stringify(requests), receipt, decisions: decisions.join('\n'), logs: logged.join('') };
    expect(written.logs.length).toBeGreaterThan(0);
    for (const entry of secretCorpus) {
      for (const [where, text] of Object.entries(written)) {
        // Named in the failure: which shape survived, and where.
        expect({ shape: entry.shape, where, survived: text.includes(entry.secret) || text.includes(JSON.stringify(entry.secret).slice(1, -1)) }).toEqual({
          shape: entry.shape,
          where,
          survived: false,
        });
      }
    }
  });
});

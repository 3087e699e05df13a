import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { podOwnerFromName } from '../../../lib/domain/pod-owner.js';

// The API machinery's alphabet for generated names and hashes (k8s.io/apimachinery/pkg/util/rand).
const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
const generatedPart = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
// Workload names as people write them: words (with vowels) joined by '-'.
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/).filter((text) => /[aeiou]/.test(text));
const workloadName = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join('-'));

describe('podOwnerFromName', () => {
  it.each([
    ['checkout-7d9f8b6c5-x2x4q', 'checkout', ['Deployment']],
    ['storefront-api-6f8d9c7b5-zq2wd', 'storefront-api', ['Deployment']],
    ['nightly-report-29432160-kz5mn', 'nightly-report', ['CronJob']],
    ['postgres-0', 'postgres', ['StatefulSet']],
    ['kafka-broker-12', 'kafka-broker', ['StatefulSet']],
    ['node-exporter-x7k2p', 'node-exporter', ['DaemonSet', 'Job']],
    ['migrate-db-5tq9h', 'migrate-db', ['DaemonSet', 'Job']],
    ['debug', 'debug', ['Pod']],
    ['my-test-pod', 'my-test-pod', ['Pod']],
  ])('%s → %s', (pod, name, kinds) => {
    expect(podOwnerFromName(pod)).toEqual({ name, kinds });
  });

  it('tells a pod-template hash by its length: 6 characters is a Deployment pod, 5 is a DaemonSet or Job pod of a longer name', () => {
    expect(podOwnerFromName('web-bcdfgh-x2x4q')).toEqual({ name: 'web', kinds: ['Deployment'] });
    expect(podOwnerFromName('web-bcdfg-x2x4q')).toEqual({ name: 'web-bcdfg', kinds: ['DaemonSet', 'Job'] });
    expect(podOwnerFromName('web-bcdfghjklm-x2x4q')).toEqual({ name: 'web', kinds: ['Deployment'] });
    expect(podOwnerFromName('web-bcdfghjklmn-x2x4q')).toEqual({ name: 'web-bcdfghjklmn', kinds: ['DaemonSet', 'Job'] });
  });

  it('needs exactly 5 generated characters at the end, and an ordinal without leading zeros', () => {
    expect(podOwnerFromName('agent-x7k2')).toEqual({ name: 'agent-x7k2', kinds: ['Pod'] });
    expect(podOwnerFromName('agent-x7k2pq')).toEqual({ name: 'agent-x7k2pq', kinds: ['Pod'] });
    expect(podOwnerFromName('agent-x7k2a')).toEqual({ name: 'agent-x7k2a', kinds: ['Pod'] });
    expect(podOwnerFromName('db-07')).toEqual({ name: 'db-07', kinds: ['Pod'] });
    expect(podOwnerFromName('db-7')).toEqual({ name: 'db', kinds: ['StatefulSet'] });
    // A CronJob's minute has 8 digits or more; 7 digits is a StatefulSet ordinal-like suffix, not a Job.
    expect(podOwnerFromName('report-2943216-kz5mn')).toEqual({ name: 'report-2943216', kinds: ['DaemonSet', 'Job'] });
  });

  it('recovers every Deployment, CronJob, StatefulSet and DaemonSet name from the pods Kubernetes would name after it', () => {
    fc.assert(
      fc.property(workloadName, generatedPart(6, 10), generatedPart(5, 5), fc.integer({ min: 0, max: 9_999 }), fc.integer({ min: 10_000_000, max: 99_999_999 }), (name, hash, suffix, ordinal, minute) => {
        expect(podOwnerFromName(`${name}-${hash}-${suffix}`).name).toBe(name);
        expect(podOwnerFromName(`${name}-${minute}-${suffix}`)).toEqual({ name, kinds: ['CronJob'] });
        expect(podOwnerFromName(`${name}-${ordinal}`)).toEqual({ name, kinds: ['StatefulSet'] });
        expect(podOwnerFromName(`${name}-${suffix}`)).toEqual({ name, kinds: ['DaemonSet', 'Job'] });
      }),
    );
  });

  it('takes a name no controller generates for the pod itself', () => {
    fc.assert(
      fc.property(workloadName, (name) => {
        const guess = podOwnerFromName(name);
        // A hand-named pod keeps its name unless its last word looks generated.
        if (guess.kinds.includes('Pod')) expect(guess.name).toBe(name);
        else expect(name.startsWith(`${guess.name}-`)).toBe(true);
      }),
    );
  });
});

/**
 * Mutation testing of the code the integration tests cover (real redis-server, the Kubernetes stand-in):
 * the TypeScript of lib/kube, lib/redis, lib/dedup and lib/sweep. Each mutant runs the unit and
 * integration tests that cover it, seconds to minutes each, so runs are per file:
 *   npx stryker run stryker.integration.config.mjs --mutate lib/kube/kube-guard.ts
 */
import base from './stryker.config.mjs';

export default {
  ...base,
  jest: { ...base.jest, configFile: 'test/mutation/jest.integration.config.js' },
  mutate: ['lib/kube/**/*.ts', 'lib/redis/*.ts', 'lib/dedup/**/*.ts', 'lib/sweep/**/*.ts'],
  incrementalFile: 'reports/stryker-incremental-integration.json',
  jsonReporter: { fileName: 'reports/mutation/mutation-integration.json' },
  concurrency: 1,
  timeoutMS: 120_000,
};

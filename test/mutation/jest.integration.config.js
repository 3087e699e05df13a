/**
 * For StrykerJS over lib/kube, lib/redis, lib/dedup and lib/sweep (stryker.integration.config.mjs): the unit
 * and the integration tests together, so that a mutant is killed by whichever covers it.
 */
import base from '../../jest.config.js';

const integration = base.projects.find((project) => project.displayName === 'integration');

export default {
  ...integration,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 120_000,
};

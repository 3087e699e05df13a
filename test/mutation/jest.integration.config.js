/** The integration project alone, for StrykerJS over lib/kube, lib/redis, lib/dedup and lib/sweep (stryker.integration.config.mjs). */
import base from '../../jest.config.js';

const integration = base.projects.find((project) => project.displayName === 'integration');

export default { ...integration, rootDir: '../..', testTimeout: 120_000 };

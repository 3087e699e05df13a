/** The unit project alone, for StrykerJS (`npm run test:mutation`): each mutant runs the unit tests that cover it. */
import base from '../../jest.config.js';

const unit = base.projects.find((project) => project.displayName === 'unit');

export default { ...unit, rootDir: '../..', testTimeout: 60_000 };

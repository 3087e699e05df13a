/** Native ESM jest with @swc/jest: run through `npm run test:jest` (node --experimental-vm-modules). */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
};

const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  // StrykerJS's sandbox copy of the repository, while a mutation run is under way.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  ...extra,
});

export default {
  projects: [
    project('unit'),
    project('integration'),
    project('e2e'),
    project('infra'),
    project('localstack'),
  ],
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-line-reporter.js'],
};

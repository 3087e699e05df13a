/**
 * Mutation testing (`npm run test:mutation`): StrykerJS changes the rules in lib/ one at a time and runs
 * the unit tests that cover each change; a mutant that no test notices is listed in TESTING.md (equivalent
 * or accepted, with why). `--mutate <glob>` narrows a run (CI runs it on the files a change touched).
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'test/mutation/jest.config.js', enableFindRelatedTests: false },
  checkers: ['typescript'],
  // The TypeScript checker compiles lib/ alone: the whole project (CDK types, tests) costs four times as long per mutant.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // A mutant of a module-level constant (a default policy) re-runs every test for one mutant; they are reported, not run.
  ignoreStatic: true,
  // The unit-tested rules; stryker.integration.config.mjs mutates what the integration tests cover.
  // lib/kube's two unit-tested files too; the rest of lib/kube and lib/redis, lib/dedup, lib/sweep are
  // covered by integration tests: stryker.integration.config.mjs.
  mutate: ['lib/domain/**/*.ts', 'lib/alertmanager/**/*.ts', 'lib/http/**/*.ts', 'lib/config/**/*.ts', 'lib/kube/kube-guard.ts', 'lib/kube/remediation-request.ts'],
  ignorePatterns: ['cdk.out', 'reports', '.stryker-tmp', 'bench', 'docs'],
  concurrency: 3,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 85, break: 85 },
  // Reruns reuse the results of mutants whose code and covering tests did not change (reports/, not committed).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

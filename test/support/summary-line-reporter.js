/**
 * Prints one plain closing line after jest's own summary (on stderr, like it, to keep the order), `jest: N passed, N failed, N skipped`,
 * the form CI reads to count tests whatever the runner.
 */
export default class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

"use strict";
// A jest reporter that ends the run with one plain line,
// `tests: N passed, N failed, N skipped`, which CI logs and tools that read
// only the last line of a run understand whatever the test runner. It is
// written when the process exits, so that it comes after jest's own
// summary, which is printed after every reporter has finished.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.once("exit", () => {
      process.stderr.write(
        `tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`,
      );
    });
  }
}

module.exports = SummaryReporter;

// Prints jest's result as one plain closing line, "Tests: N passed, N failed, N skipped", as the
// very last line of the run (after jest's own summary, which goes to stderr), so that CI logs end
// with a line any reader or tool can count.
export default class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const brokenFiles = results.numRuntimeErrorTestSuites
    const note = brokenFiles ? `${brokenFiles} test files could not run\n` : ''
    const line = `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`
    process.once('exit', () => process.stdout.write(`\n${note}${line}\n`))
  }
}

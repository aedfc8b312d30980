#!/usr/bin/env node
// Usage: .ci/summarize-tests <major>...
// One "nodeN: P passed, F failed" line per runtime from test-results/nodeN.json (followed by indented
// "not run" lines naming the skipped tests' suites, whose titles give the reason, and "failed" lines naming
// each failed test with the first line of its error), then the total as the
// last line. Exits non-zero when a runtime's report is missing, has a failure, or ran no tests.
const fs = require('node:fs');
const path = require('node:path');

const firstLine = (text) => (text ?? '').split('\n')[0].slice(0, 300);

let passed = 0;
let failed = 0;
let ok = true;
for (const major of process.argv.slice(2)) {
  const file = path.join(__dirname, '..', 'test-results', `node${major}.json`);
  if (!fs.existsSync(file)) {
    console.log(`node${major}: 0 passed, 0 failed (no report: the run did not finish)`);
    ok = false;
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  // A file that failed with no failed test (it did not load, or a beforeAll/afterAll hook threw and its
  // tests were skipped) has nothing to count; vitest marks it failed, so count it as one failure.
  const brokenFiles = report.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  const runtimeFailed = report.numFailedTests + brokenFiles;
  console.log(`node${major}: ${report.numPassedTests} passed, ${runtimeFailed} failed`);
  // Tests skipped on this runtime, by their outermost title: where the suite names why (a runtime too old).
  const notRun = new Map();
  for (const file of report.testResults) {
    for (const test of file.assertionResults) {
      if (test.status !== 'skipped' && test.status !== 'pending') continue;
      const group = test.ancestorTitles[0] ?? test.title;
      notRun.set(group, (notRun.get(group) ?? 0) + 1);
    }
  }
  for (const [group, count] of notRun) console.log(`  not run on node${major}: ${count} × ${group}`);
  // The failures by name, so the record of a run says which test failed without its full log.
  for (const file of report.testResults) {
    const where = path.relative(path.join(__dirname, '..'), file.name);
    const failures = file.assertionResults.filter((test) => test.status === 'failed');
    if (file.status === 'failed' && failures.length === 0)
      console.log(
        `  failed on node${major}: ${where} (outside its tests: ${firstLine(file.message) || 'a hook failed; see the log'})`,
      );
    for (const test of failures) {
      const title = [...test.ancestorTitles, test.title].join(' > ');
      console.log(`  failed on node${major}: ${where} > ${title}: ${firstLine(test.failureMessages?.[0])}`);
    }
  }
  passed += report.numPassedTests;
  failed += runtimeFailed;
  if (runtimeFailed > 0 || report.numPassedTests === 0 || report.success === false) ok = false;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);

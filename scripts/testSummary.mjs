// The last step of `npm test`: reads what each runner wrote into test-results/ and prints one
// closing line, `eventlane: N passed, N failed, N skipped`, so a reader of the log (CI included)
// sees the whole count in a form every tool understands. Exits 1 when a runner left no report,
// ran nothing, or failed anything: a phase that silently ran zero tests fails the run here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

/** @type {Array<{ name: string, file: string, count: (report: any) => { passed: number, failed: number, skipped: number } }>} */
const runners = [
  {
    name: 'vitest (unit, integration, conformance on SQLite and the MongoDB-wire server)',
    file: 'vitest.json',
    count: (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests ?? 0) }),
  },
  {
    name: 'schemathesis (generated API cases)',
    file: 'fuzz.json',
    count: (r) => ({ passed: r.passed, failed: r.failed, skipped: r.skipped }),
  },
  {
    name: 'playwright (browser scenarios)',
    file: 'playwright.json',
    count: (r) => ({ passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped }),
  },
];

const total = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
for (const runner of runners) {
  const path = join(dir, runner.file);
  if (!existsSync(path)) {
    problems.push(`${runner.name}: no report at ${path}`);
    continue;
  }
  const counts = runner.count(JSON.parse(readFileSync(path, 'utf8')));
  console.log(`  ${runner.name}: ${counts.passed} ok, ${counts.failed} not ok, ${counts.skipped} skipped`);
  if (counts.passed === 0) problems.push(`${runner.name}: ran no test`);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
for (const problem of problems) console.error(`test summary: ${problem}`);
console.log(`eventlane: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(problems.length > 0 || total.failed > 0 ? 1 : 0);

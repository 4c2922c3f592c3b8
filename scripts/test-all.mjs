// Runs every suite of the repository (template, scaffolder, end-to-end) and ends with one
// summary line. Suites that need Postgres or Redis say so when the variables are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const suites = [
  { name: 'template', cwd: 'template' },
  { name: 'create-script', cwd: 'create-script' },
  { name: 'end-to-end', cwd: '.' },
];

const missing = [
  ['TEST_DATABASE_URL', 'the Postgres halves of the persistence, runs and end-to-end suites'],
  ['REDIS_URL', 'the Redis rate-limit and multi-instance run events tests'],
].filter(([variable]) => !process.env[variable]);
for (const [variable, what] of missing) {
  console.log(
    `NOTE: ${variable} is not set, so ${what} will not run. CI sets it; see docs/configuration.md.`,
  );
}

const reports = mkdtempSync(join(tmpdir(), 'switchyard-tests-'));
const totals = { passed: 0, failed: 0 };
let exitCode = 0;
for (const suite of suites) {
  if (!existsSync(join(suite.cwd, 'vitest.config.ts')) && !existsSync(join(suite.cwd, 'vitest.config.js')))
    continue;
  console.log(`\n=== ${suite.name} ===`);
  const report = join(reports, `${suite.name}.json`);
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    {
      cwd: suite.cwd,
      stdio: 'inherit',
    },
  );
  if (run.status !== 0) exitCode = 1;
  if (existsSync(report)) {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests + (result.numTotalTestSuites === 0 ? 1 : 0);
  } else {
    totals.failed += 1;
  }
}

console.log(`\nswitchyard: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(exitCode);

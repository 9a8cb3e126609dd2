#!/usr/bin/env node
/**
 * The README's test command (`npm test`): check formatting and lint rules (`npm run lint`), start the real test
 * servers (installing them if needed), build every package, run every package's tests against those servers (the
 * package checks and the tarball install of packages/install-test among them), and end with one summary line
 * (`Tests: N passed, N failed, N skipped`). Exits non-zero if the lint check fails, a server fails to start or any
 * test fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.test-results');
const forwarded = process.argv.slice(2); // e.g. --filter=@sessionkit/redis

function run(command, args) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
}

// Lint first (it takes seconds) but run the tests whatever it says, so one run reports both.
const lintStatus = run('npm', ['run', 'lint']);

if (run('node', ['services/bin/services.mjs', 'up']) !== 0) {
  console.error('test servers failed to start (see the log tail above)');
  process.exit(1);
}
rmSync(resultsDir, { recursive: true, force: true });
if (run('npx', ['turbo', 'run', 'build', ...forwarded]) !== 0) process.exit(1);
// Type-check every workspace's sources and tests (vitest runs the tests without checking their types).
if (run('npx', ['turbo', 'run', 'typecheck', ...forwarded]) !== 0) process.exit(1);
const status = run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...forwarded]);

const totals = { passed: 0, failed: 0, skipped: 0 };
const reports = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((file) => file.endsWith('.json'))
      .sort()
  : [];
console.log('\nPer package:');
for (const file of reports) {
  const report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
  const skipped = report.numPendingTests + report.numTodoTests;
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += skipped;
  console.log(
    `  ${file.replace(/\.json$/, '').padEnd(14)} ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
  );
}
if (reports.length === 0) console.log('  (no test reports were written)');
if (lintStatus !== 0) console.log('\nLint: failed (see `npm run lint` above; `npm run format` applies the formatting)');
console.log(`\nTests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(lintStatus !== 0 || status !== 0 || totals.failed > 0 || totals.passed === 0 ? 1 : 0);

#!/usr/bin/env node
/**
 * Prints the recovery figures the soak run appended to .test-results/recovery-soak.jsonl (one JSON line per
 * trial, written by test/backend-recovery.test.ts): per backend, trials, recovery time p50 / max, the slowest
 * answer while down, and sessions lost per trial.
 */
import { readFileSync } from 'node:fs';

const file = new URL('../../../.test-results/recovery-soak.jsonl', import.meta.url);
const trials = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));
const byBackend = Map.groupBy
  ? Map.groupBy(trials, (t) => t.backend)
  : trials.reduce((m, t) => m.set(t.backend, [...(m.get(t.backend) ?? []), t]), new Map());
const quantile = (values, q) =>
  values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
console.log(
  '| backend | trials | recovery p50 | recovery max | slowest answer while down | sessions lost per trial (max) |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [backend, rows] of byBackend) {
  const recovery = rows.map((r) => r.recoveryMs);
  console.log(
    `| ${backend} | ${rows.length} | ${quantile([...recovery], 0.5)} ms | ${Math.max(...recovery)} ms | ` +
      `${Math.max(...rows.map((r) => r.slowestDuringOutageMs))} ms | ${Math.max(...rows.map((r) => r.sessionsLost))} |`,
  );
}

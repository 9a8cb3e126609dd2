/**
 * The legacy option's section of docs/benchmarks.md (`bench/src/legacy.ts`) and its row of the targets table. The
 * section sits between the markers of `sections.ts`, so `--only=legacy --write` replaces it in the existing page.
 */
import type { LegacyBenchReport } from '../legacy.js';
import { medianOf } from '../lib/measure.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('legacy');

const rps = (values: number[]) => Math.round(medianOf(values)).toLocaleString('en-US');
const cellOf = (text: string) => text.replace(/\|/g, '\\|');

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function legacySection(
  report: LegacyBenchReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [
    START,
    '## Adopting express-session sessions: what `legacy` costs a request without a legacy cookie',
    '',
  ];
  if (separate) lines.push(separateRunNote(separate), '');
  if (error || !report) return [...lines, `**Legacy run error:** ${error ?? 'no result'}`, '', END];
  lines.push(
    'Express 5 + `sessionMiddleware` + `RedisSessionStore` (near cache on), the routes of the HTTP benchmark, as three apps on three ports of',
    'one server process, sharing one `SessionManager`: `legacy` has `legacy: { store: <connect-redis 9 RedisStore>, secrets }`, `plain` has not,',
    'and `control` is a second `plain` (an A/A control: what noise alone gives). Each app has its own 200 logged-in users. In each of',
    `${report.rounds} rounds the three are loaded in the same ${report.windowSec} s window, each by its own autocannon run (32 connections), started in`,
    'an order that rotates every round; the ratio is the median of the per-round ratios to `plain`. The requests/s are per app while three',
    'apps and three load generators share the machine, so they are a third or less of what one app reaches alone.',
    '',
    '| load | req/s `plain` | req/s `legacy` | ratio `legacy` / `plain` | A/A: `control` / `plain` | p50 ms `plain` / `legacy` | per-round ratios `legacy` / `plain` |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...report.workloads.map(
      (w) =>
        `| ${w.name}: ${cellOf(w.label)} | ${rps(w.plain)} | ${rps(w.legacy)} | **${w.ratio.toFixed(3)}x** | ${w.controlRatio.toFixed(3)}x | ${w.plainP50Ms} / ${w.legacyP50Ms} | ` +
        `${w.ratios.map((r) => r.toFixed(3)).join(', ')} |`,
    ),
    '',
    `**Target: ${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}** (${report.workloads.map((w) => `${w.name} ${w.ratio.toFixed(3)}x`).join(', ')}).`,
    '',
    '- Logged in: a request whose SessionKit session loads never consults the option.',
    '- Anonymous: every request has no session, so the option checks for the legacy cookie: one substring search of the `Cookie` header',
    '  for `connect.sid=`, no parsing, no allocation, no store call. Only a request that carries the legacy cookie pays more (the',
    '  signature check, then the adoption: docs/http.md).',
    '- Why one process and simultaneous windows: loading the apps one after the other on this shared 2-core machine swung 0.66-1.59x from',
    '  round to round, and two processes running identical apps sat 1.08x apart; the control column shows the noise that is left.',
  );
  return [...lines, '', END];
}

/** The legacy option's row of the targets table (none when the run did not include it). */
export function legacyTargetRow(report: LegacyBenchReport | undefined, error: string | undefined): string[] {
  const what =
    '| legacy | requests/s with `legacy` configured, no legacy cookie, vs without the option (logged in; anonymous)';
  if (error) return [`${what} | – | >= 0.98x | **error**: ${cellOf(error)} |`];
  if (!report) return [];
  return [
    `${what} | ${report.workloads.map((w) => `${w.ratio.toFixed(3)}x`).join('; ')} | >= 0.98x | ${report.target.met ? '**met**' : '**NOT met**'} |`,
  ];
}

/**
 * The server-CPU-per-request section of docs/benchmarks.md (`bench/src/http-cpu.ts`) and its row of the targets
 * table. The section sits between the markers of `sections.ts`, so `--only=http-cpu --write` replaces it in the
 * existing page.
 */
import { CPU_VARIANT_LABELS, type HttpCpuReport } from '../http-cpu.js';
import type { Variant } from '../lib/http-sides.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('http-cpu');

const ORDER: readonly Variant[] = ['sessionkit-near', 'sessionkit', 'peer', 'lazy-floor', 'bare'];
const SHORT: Record<Variant, string> = {
  'sessionkit-near': 'SessionKit nearCache',
  sessionkit: 'SessionKit defaults',
  peer: 'express-session',
  'lazy-floor': 'lazy middleware',
  bare: 'Express alone',
};
const cellOf = (text: string) => text.replace(/\|/g, '\\|');

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function httpCpuSection(
  report: HttpCpuReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Server CPU per request: reads and writes (Express)', ''];
  if (separate) lines.push(separateRunNote(separate), '');
  if (error || !report) return [...lines, `**Server CPU run error:** ${error ?? 'no result'}`, '', END];
  const load = (name: string) => report.loads.find((l) => l.name === name)!;
  const [reads, mix, writes] = [load('reads'), load('mix'), load('writes')];
  const cell = (l: typeof reads, v: Variant) =>
    `${l.figures[v].usPerRequest.toFixed(1)} | ${v === 'peer' ? '1' : l.figures[v].ratio.toFixed(2)}x`;
  lines.push(
    "The Express servers of the HTTP benchmark, each in its own process; each server's CPU time (user + system, `/proc/<pid>/stat`) in a",
    'window divided by the requests it answered, under three autocannon loads (32 connections, 200 logged-in sessions): reads only, the',
    `benchmark's mix (10 % writes) and writes only. ${report.rounds} alternating ${report.windowSec} s windows per load after a 1 s warm-up; µs are each`,
    "server's median, ratios the median of the per-round ratios to express-session (lower is better). CPU time does not count the time a",
    'server waits for a CPU, so it moves less than requests/s on a shared machine.',
    '',
    '| server | reads: µs / request | vs express-session | mix: µs / request | vs express-session | writes: µs / request | vs express-session |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...ORDER.map(
      (v) => `| ${cellOf(CPU_VARIANT_LABELS[v])} | ${cell(reads, v)} | ${cell(mix, v)} | ${cell(writes, v)} |`,
    ),
    '',
    `**Target: ${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}** (nearCache ${writes.figures['sessionkit-near'].ratio.toFixed(2)}x, ` +
      `defaults ${writes.figures.sessionkit.ratio.toFixed(2)}x). Per-read cost is reported: it is to stay where it is.`,
    '',
    `- Per-round µs per write request: ${ORDER.slice(0, 3)
      .map((v) => `${SHORT[v]} ${writes.figures[v].rounds.map((us) => us.toFixed(0)).join(', ')}`)
      .join('; ')}.`,
    '- A write is `POST /write` changing one key: SessionKit loads the session, `Session.update`s it and commits a compare-and-set;',
    '  express-session loads it, and saves it with a `SET` at the end of the request.',
    '- Profile one server under the write load: `npx tsx bench/src/http-cpu.ts --profile=sessionkit-near` (`node --cpu-prof`, top self-time',
    '  frames overall and in @sessionkit/* code).',
  );
  return [...lines, '', END];
}

/** The write-path row of the targets table (none when the run did not include the part). */
export function httpCpuTargetRow(report: HttpCpuReport | undefined, error: string | undefined): string[] {
  const what =
    '| http-cpu | server CPU per write request, SessionKit (nearCache; defaults) vs Express + express-session + connect-redis';
  if (error) return [`${what} | – | <= 1.0x | **error**: ${cellOf(error)} |`];
  if (!report) return [];
  const writes = report.loads.find((l) => l.name === 'writes')!.figures;
  return [
    `${what} | ${writes['sessionkit-near'].ratio.toFixed(2)}x; ${writes.sessionkit.ratio.toFixed(2)}x | <= 1.0x | ${report.target.met ? '**met**' : '**NOT met**'} |`,
  ];
}

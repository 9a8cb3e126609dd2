/**
 * The framework benchmarks' section of docs/benchmarks.md (`bench/src/frameworks.ts`) and their rows of the targets
 * table. The section sits between the markers of `sections.ts`, so `--only=frameworks --write` replaces it in the
 * existing page.
 */
import type { FrameworksReport } from '../frameworks.js';
import { type BenchResult, medianOf } from '../lib/measure.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('frameworks');

const rps = (value: number) => Math.round(value).toLocaleString('en-US');
const x = (row: BenchResult) => `${row.ratio.toFixed(2)}x`;
const cellOf = (text: string) => text.replace(/\|/g, '\\|');
const verdict = (row: BenchResult) => (row.met ? '**met**' : '**NOT met**');
/** The per-round ratios at the end of a row's notes. */
const perRound = (row: BenchResult) => /per-round ratios (.*)$/.exec(row.notes ?? '')?.[1] ?? '';

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function frameworksSection(
  report: FrameworksReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Frameworks: SessionKit on Fastify, Koa and Hono against their own session libraries', ''];
  if (separate) lines.push(separateRunNote(separate), '');
  if (error || !report) return [...lines, `**Frameworks run error:** ${error ?? 'no result'}`, '', END];
  lines.push(
    "Each framework's five servers (`bench/src/frameworks/<framework>.ts`), each in its own process, with the routes, Redis and load of the",
    `Express rows above (autocannon, 32 connections, 90 % \`GET /read\` / 10 % \`POST /write\` over 200 logged-in sessions), loaded in ${report.rounds}`,
    `alternating ${report.windowSec} s windows; requests/s are each server's median, ratios the median of the per-round ratios. The two ceilings:`,
    'the framework alone with the same routes and no session, and the framework behind a lazy session middleware that does nothing',
    "(sets the request's session handle; each handler awaits it once). Express is the `http` module (rows above; its lazy-middleware",
    'ratio is in the targets table).',
    '',
    '| framework | peer | req/s alone | req/s lazy middleware | req/s SessionKit nearCache | req/s SessionKit defaults | req/s peer | SessionKit / peer (>= 1.3x) | SessionKit / lazy middleware (>= 0.85x) | defaults / peer | alone / peer | lazy middleware / peer |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const f of report.frameworks) {
    if (!f.rows || !f.requestsPerSec) {
      lines.push(
        `| ${f.labels.name} | ${cellOf(f.labels.peer)} | **error**: ${cellOf(f.error ?? 'no result')} |  |  |  |  |  |  |  |  |  |`,
      );
      continue;
    }
    const r = f.requestsPerSec;
    const { near, plain, bare, floor, nearVsFloor } = f.rows;
    lines.push(
      `| ${f.labels.name} | ${cellOf(f.labels.peer)} | ${rps(r.bare)} | ${rps(r['lazy-floor'])} | ${rps(r['sessionkit-near'])} | ${rps(r.sessionkit)} | ${rps(r.peer)} | ` +
        `**${x(near)}** ${verdict(near)} | **${x(nearVsFloor)}** ${verdict(nearVsFloor)} | ${x(plain)} | ${x(bare)} | ${x(floor)} |`,
    );
  }
  lines.push(
    '',
    `**Target: ${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}.**`,
    '',
    'Per-round ratios (SessionKit nearCache / peer; / lazy middleware):',
    '',
    ...report.frameworks
      .filter((f) => f.rows)
      .map((f) => `- ${f.labels.name}: ${perRound(f.rows!.near)}; ${perRound(f.rows!.nearVsFloor)}`),
    '',
    ...cpuLines(report),
    'How each peer runs:',
    '',
    '- Fastify: `fastifySession` against @fastify/session with its defaults but `saveUninitialized: false` (as express-session in the Express',
    '  row). Its default `rolling: true` saves the session on every response: that is how @fastify/session keeps an idle timeout (it has no',
    '  touch), so a read costs it a `GET` and a `SET` (express-session: `GET` + `EXPIRE`; SessionKit: a `GET`, or nothing from the near cache).',
    "- Koa: `koaSession` against koa-session 7 with koa-redis 4.0.1, which fits koa-session 7's external-store interface as it is (promises",
    '  from `get`, `set`, `destroy`). koa-session loads the session before every request, used or not; with its default `rolling: false` a read',
    '  that changes nothing writes nothing, so its idle timeout is not extended by reads.',
    '- Hono: `honoSession` against hono-sessions 0.8.1, which ships no Redis store: its `CookieStore` (the store of its README) keeps the',
    '  whole session encrypted in the cookie and calls no store, so **this row is not a like-for-like comparison** with a Redis-backed',
    '  session. With its defaults it records the access time on every request, so it decrypts the cookie and encrypts a new one on reads',
    '  too. Hono alone (the "alone" column) is the comparison the issue names when no Redis-backed library exists.',
  );
  return [...lines, '', END];
}

/**
 * The server CPU per request of every server in the same windows, and what SessionKit (nearCache) adds over the lazy
 * middleware against what the 0.85x target leaves it (none for a run that predates the CPU figures).
 */
function cpuLines(report: FrameworksReport): string[] {
  const measured = report.frameworks.filter((f) => f.cpuUsPerRequest && f.cpuRatios);
  if (measured.length === 0) return [];
  const us = (value: number) => value.toFixed(1);
  const lines = [
    "Server CPU per request in the same windows (the server process's user + system time from `/proc` over the requests it answered;",
    'it leaves out the Redis server, the load generator and time spent waiting for a CPU, which the requests/s ratios include). The',
    'last column is the most SessionKit could add to the lazy middleware per request and still reach 0.85x of its requests/s if the server',
    "process alone were the bottleneck (the lazy middleware's µs / 0.85 - its µs):",
    '',
    '| framework | µs alone | µs lazy middleware | µs SessionKit nearCache | µs SessionKit defaults | µs peer | nearCache / peer (CPU) | nearCache / lazy middleware (CPU) | µs nearCache adds to lazy middleware | µs the 0.85x target allows |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const f of measured) {
    const c = f.cpuUsPerRequest!;
    const floor = c['lazy-floor'];
    lines.push(
      `| ${f.labels.name} | ${us(c.bare)} | ${us(floor)} | ${us(c['sessionkit-near'])} | ${us(c.sessionkit)} | ${us(c.peer)} | ${medianOf(f.cpuRatios!.vsPeer).toFixed(2)}x | ${medianOf(f.cpuRatios!.vsFloor).toFixed(2)}x | ${us(c['sessionkit-near'] - floor)} | ${us(floor / 0.85 - floor)} |`,
    );
  }
  return [...lines, ''];
}

/** The frameworks' rows of the targets table: two per framework (none when the run did not include the part). */
export function frameworksTargetRows(report: FrameworksReport | undefined, error: string | undefined): string[] {
  if (error)
    return [
      `| frameworks | SessionKit vs each framework's peer and lazy middleware | – | >= 1.3x; >= 0.85x | **error**: ${cellOf(error)} |`,
    ];
  if (!report) return [];
  return report.frameworks.flatMap((f) => {
    if (!f.rows) {
      return [
        `| frameworks | ${f.labels.name}: SessionKit vs ${cellOf(f.labels.peer)} and the lazy middleware | – | >= 1.3x; >= 0.85x | **error**: ${cellOf(f.error ?? 'no result')} |`,
      ];
    }
    return [f.rows.near, f.rows.nearVsFloor].map(
      (r) => `| frameworks | ${cellOf(r.name)} vs ${cellOf(r.baseline)} | ${x(r)} | ${r.target} | ${verdict(r)} |`,
    );
  });
}

/** The frameworks' verdicts, for the page's count of targets met (an errored framework counts as not met). */
export function frameworksVerdicts(report: FrameworksReport | undefined): boolean[] {
  return (report?.frameworks ?? []).flatMap((f) =>
    f.rows ? [!!f.rows.near.met, !!f.rows.nearVsFloor.met] : [false, false],
  );
}

/**
 * Framework benchmarks (issue 22): SessionKit on Fastify, Koa and Hono against each framework's own session
 * library, with the same two ceilings, routes, Redis, load and method as the Express rows of `http.ts`:
 * - Fastify 5: `fastifySession` vs @fastify/session + @fastify/cookie + connect-redis 9 (redis 5 client);
 * - Koa 3: `koaSession` vs koa-session 7 with koa-redis 4 (its most used external Redis store);
 * - Hono 4 on @hono/node-server: `honoSession` vs hono-sessions 0.8.1, which has no Redis store: it runs with its
 *   `CookieStore` (the session encrypted into the cookie, no store call), so that row is not like for like, and
 *   Hono alone is reported next to it.
 *
 * Per framework, five servers (`src/frameworks/<framework>.ts`), each in its own child process: SessionKit on
 * `RedisSessionStore` with the near cache (judged) and with the store's defaults, the peer, the framework alone
 * with the same routes and no session, and the framework behind a do-nothing lazy session middleware. They run
 * at once and are loaded in alternating windows (autocannon, 32 connections, 90 % `GET /read` / 10 %
 * `POST /write` over 200 logged-in sessions); every ratio is the median of the per-round ratios. Targets:
 * SessionKit with the near cache >= 1.3x its peer's requests/s, and >= 0.85x the do-nothing lazy middleware's.
 * The frameworks are measured one after the other; one that fails to start (say, a binding not built) is an
 * error entry and the others still run.
 *
 * Run alone: `npx tsx bench/src/frameworks.ts [--quick] [fastify,koa,hono]`, or through the runner:
 * `npm run bench -- --only=frameworks [--write]`.
 */
import { pathToFileURL } from 'node:url';
import {
  alternate,
  closeSide,
  FLOOR_TARGET,
  type Framework,
  type FrameworkLabels,
  type FrameworkRows,
  frameworkRows,
  openSide,
  type Side,
  type Variant,
} from './lib/http-sides.js';
import { medianOf, printResults } from './lib/measure.js';

/** SessionKit with the near cache against each framework's peer. */
export const PEER_TARGET = 1.3;

/** The frameworks this part measures (Express is `http.ts`), with how their servers are named. */
export const FRAMEWORKS: Record<Exclude<Framework, 'express'>, FrameworkLabels> = {
  fastify: {
    name: 'Fastify',
    peer: 'Fastify + @fastify/session 11 + @fastify/cookie 11 + connect-redis 9 (redis 5)',
    floor: 'decorates the request with session and sets it in an onRequest hook',
  },
  koa: {
    name: 'Koa',
    peer: 'Koa + koa-session 7 + koa-redis 4 (ioredis 4)',
    floor: 'only sets ctx.session and calls next',
  },
  hono: {
    name: 'Hono',
    peer: 'Hono + hono-sessions 0.8.1 with its CookieStore (session encrypted in the cookie; it ships no Redis store)',
    floor: "only sets the 'session' variable and calls next",
  },
};

/** One framework's outcome: its rows and each server's median requests/s, or the error that stopped it. */
export interface FrameworkOutcome {
  framework: keyof typeof FRAMEWORKS;
  labels: FrameworkLabels;
  rows?: FrameworkRows;
  /** Median requests/s of each server over the rounds. */
  requestsPerSec?: Record<Variant, number>;
  /** Median server CPU µs per request of each server over the same windows (`/proc`, Linux). */
  cpuUsPerRequest?: Record<Variant, number>;
  /**
   * Per-round CPU per request of SessionKit (nearCache) over the peer's and over the lazy middleware's (lower is
   * better): the requests/s ratios' counterpart that does not count the Redis server, the load generator or time
   * spent waiting for a CPU.
   */
  cpuRatios?: { vsPeer: number[]; vsFloor: number[] };
  error?: string;
}

/** What {@link runFrameworksBench} reports. */
export interface FrameworksReport {
  rounds: number;
  windowSec: number;
  frameworks: FrameworkOutcome[];
  /** Both targets on every framework that ran. */
  target: { label: string; met: boolean };
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

const VARIANTS: readonly Variant[] = ['peer', 'sessionkit', 'sessionkit-near', 'bare', 'lazy-floor'];

/** Measures one framework's five servers in alternating windows. */
async function measureFramework(
  framework: keyof typeof FRAMEWORKS,
  rounds: number,
  windowSec: number,
): Promise<FrameworkOutcome> {
  const labels = FRAMEWORKS[framework];
  const sides: Side[] = [];
  try {
    for (const variant of VARIANTS) sides.push(await openSide(framework, variant));
    await alternate(sides, rounds, windowSec);
    const byVariant = Object.fromEntries(sides.map((side) => [side.variant, side])) as Record<Variant, Side>;
    const rows = frameworkRows(labels, byVariant, windowSec, { peer: PEER_TARGET, floor: FLOOR_TARGET });
    const cpu = (variant: Variant) => byVariant[variant].rounds.map((round) => round.cpuUsPerRequest ?? Number.NaN);
    const over = (variant: Variant) => cpu('sessionkit-near').map((us, i) => us / cpu(variant)[i]!);
    return {
      framework,
      labels,
      rows,
      requestsPerSec: {
        peer: rows.near.baselineOpsPerSec,
        sessionkit: rows.plain.opsPerSec,
        'sessionkit-near': rows.near.opsPerSec,
        bare: rows.bare.opsPerSec,
        'lazy-floor': rows.floor.opsPerSec,
      },
      cpuUsPerRequest: Object.fromEntries(VARIANTS.map((variant) => [variant, medianOf(cpu(variant))])) as Record<
        Variant,
        number
      >,
      cpuRatios: { vsPeer: over('peer'), vsFloor: over('lazy-floor') },
    };
  } finally {
    for (const side of sides) await closeSide(side);
  }
}

/** The error message of a framework that failed, on one line. */
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** Runs the framework comparisons (needs the Redis from `node services/bin/services.mjs up redis`). */
export async function runFrameworksBench(opts: {
  quick: boolean;
  log?: (line: string) => void;
  only?: (keyof typeof FRAMEWORKS)[];
}): Promise<FrameworksReport> {
  const rounds = opts.quick ? 3 : 5;
  const windowSec = opts.quick ? 3 : 8;
  const frameworks: FrameworkOutcome[] = [];
  for (const framework of opts.only ?? (Object.keys(FRAMEWORKS) as (keyof typeof FRAMEWORKS)[])) {
    opts.log?.(`${FRAMEWORKS[framework].name}: ${VARIANTS.length} servers, ${rounds} rounds of ${windowSec} s windows`);
    try {
      frameworks.push(await measureFramework(framework, rounds, windowSec));
    } catch (error) {
      opts.log?.(`${FRAMEWORKS[framework].name} failed: ${firstLine(error)}`);
      frameworks.push({ framework, labels: FRAMEWORKS[framework], error: firstLine(error) });
    }
  }
  if (frameworks.every((f) => f.error)) throw new Error(`every framework failed: ${frameworks[0]?.error}`);
  return {
    rounds,
    windowSec,
    frameworks,
    target: {
      label: `SessionKit (nearCache) >= ${PEER_TARGET}x its peer's requests/s and >= ${FLOOR_TARGET}x the do-nothing lazy middleware's, on every framework`,
      met: frameworks.every((f) => f.rows?.near.met && f.rows.nearVsFloor.met),
    },
  };
}

/** Every row of the report, framework by framework (for the console). */
export function frameworkResults(report: FrameworksReport) {
  return report.frameworks.flatMap((f) =>
    f.rows ? [f.rows.near, f.rows.plain, f.rows.bare, f.rows.floor, f.rows.nearVsFloor] : [],
  );
}

/** Prints each framework's server CPU per request and SessionKit's CPU ratios (for the console). */
export function printFrameworkCpu(report: FrameworksReport, log: (line: string) => void = console.log): void {
  for (const f of report.frameworks) {
    if (!f.cpuUsPerRequest || !f.cpuRatios) continue;
    const us = VARIANTS.map((variant) => `${variant} ${f.cpuUsPerRequest![variant].toFixed(1)}`).join(', ');
    log(
      `${f.labels.name}: server CPU µs per request: ${us}; SessionKit (nearCache) CPU / peer ${medianOf(f.cpuRatios.vsPeer).toFixed(2)}x, / lazy middleware ${medianOf(f.cpuRatios.vsFloor).toFixed(2)}x`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const only = process.argv
    .slice(2)
    .find((a) => !a.startsWith('--'))
    ?.split(',') as (keyof typeof FRAMEWORKS)[] | undefined;
  const report = await runFrameworksBench({
    quick: process.argv.includes('--quick'),
    log: console.log,
    ...(only ? { only } : {}),
  });
  printResults(frameworkResults(report));
  printFrameworkCpu(report);
  for (const f of report.frameworks.filter((f) => f.error)) console.log(`${f.labels.name}: ERROR ${f.error}`);
  console.log(`${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}`);
}

/**
 * Server CPU per request, by request type (issue 22's write path): the Express servers of the HTTP benchmark
 * (`frameworks/express.ts`: express-session + connect-redis, SessionKit with the store's defaults and with the
 * near cache, Express alone, the do-nothing lazy middleware), each in its own child process under the same
 * autocannon load, with the CPU time the child used in each window read from `/proc/<pid>/stat` (Linux only).
 *
 * Three loads over the 200 logged-in sessions: reads only (`GET /read`), the benchmark's mix (10 % writes, the
 * figure docs/http.md quoted before this part existed), and writes only (`POST /write`). Per load, a 1 s warm-up
 * of each server, then alternating windows (every server once per round); each server's figure is the median
 * of its rounds, and each ratio to express-session the median of the per-round ratios. On a shared machine
 * CPU per request moves less than requests/s: it does not count the time the server waits for a CPU.
 *
 * Target: SessionKit's CPU per write request (near cache and defaults) <= express-session + connect-redis's;
 * per-read cost is reported (it is to stay where it is).
 *
 * Run: `npx tsx bench/src/http-cpu.ts [--quick]`, or `npm run bench -- --only=http-cpu [--write]`.
 * Profile one server: `npx tsx bench/src/http-cpu.ts --profile=sessionkit-near [--writes=1] [--seconds=10]
 * [--framework=fastify|koa|hono]` (Express by default)
 * runs it alone with `node --cpu-prof` under that load, writes the profile to bench/.profiles/ and prints the
 * top self-time frames, overall and in @sessionkit/* code.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { summarizeProfile } from './lib/cpu-profile.js';
import {
  closeSide,
  type Framework,
  loadWindow,
  openSide,
  type Side,
  serverCpuMs,
  type Variant,
} from './lib/http-sides.js';
import { medianOf } from './lib/measure.js';

/** User + system CPU time of a process so far, in ms (`/proc/<pid>/stat` fields 14 and 15, in 1/100 s). */

/** The servers measured, in window order; express-session (`peer`) is the reference. */
const VARIANTS: readonly Variant[] = ['peer', 'sessionkit', 'sessionkit-near', 'lazy-floor', 'bare'];

/** How the servers are named in the report. */
export const CPU_VARIANT_LABELS: Record<Variant, string> = {
  peer: 'Express + express-session + connect-redis 9',
  sessionkit: 'Express + @sessionkit/http + RedisSessionStore (defaults)',
  'sessionkit-near': 'Express + @sessionkit/http + RedisSessionStore with nearCache',
  'lazy-floor': 'Express + a lazy session middleware that does nothing',
  bare: 'Express alone, same routes, no session',
};

/** The three loads. */
const LOADS = [
  { name: 'reads', writeShare: 0 },
  { name: 'mix', writeShare: 0.1 },
  { name: 'writes', writeShare: 1 },
] as const;

/** One server under one load. */
export interface CpuFigure {
  /** Median over the rounds of the server's CPU time per request, µs. */
  usPerRequest: number;
  /** Each round's µs per request. */
  rounds: number[];
  /** Median requests/s over the rounds (with the other servers idle). */
  requestsPerSec: number;
  /** Median over the rounds of (this server's µs per request / express-session's); 1 for express-session. */
  ratio: number;
}

/** One load's figures. */
export interface CpuLoadReport {
  name: (typeof LOADS)[number]['name'];
  writeShare: number;
  figures: Record<Variant, CpuFigure>;
}

/** What {@link runHttpCpuBench} reports. */
export interface HttpCpuReport {
  rounds: number;
  windowSec: number;
  loads: CpuLoadReport[];
  /** SessionKit (near cache and defaults) CPU per write request <= express-session's. */
  target: { label: string; met: boolean };
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

/** One window of `writeShare` load on `side`: µs of server CPU per request, and requests/s. */
export async function cpuWindow(side: Side, seconds: number, writeShare: number): Promise<{ us: number; rps: number }> {
  const before = serverCpuMs(side);
  const result = await loadWindow(side, seconds, writeShare);
  return { us: ((serverCpuMs(side) - before) * 1000) / result.total, rps: result.requestsPerSec };
}

/** Measures the five servers under the three loads (needs the Redis from `services.mjs up redis`). */
export async function runHttpCpuBench(opts: { quick: boolean; log?: (line: string) => void }): Promise<HttpCpuReport> {
  // Many short windows rather than a few long ones: a burst of other work on a shared machine spoils few rounds,
  // and the median drops them.
  const rounds = opts.quick ? 3 : 5;
  const windowSec = opts.quick ? 2 : 3;
  const sides: Side[] = [];
  try {
    for (const variant of VARIANTS) sides.push(await openSide('express', variant));
    const loads: CpuLoadReport[] = [];
    for (const { name, writeShare } of LOADS) {
      opts.log?.(`${name}: ${rounds} rounds of ${windowSec} s per server`);
      for (const side of sides) await loadWindow(side, 1, writeShare); // warm-up
      const windows = new Map<Variant, { us: number; rps: number }[]>(sides.map((s) => [s.variant, []]));
      for (let round = 0; round < rounds; round++) {
        for (const side of sides) windows.get(side.variant)!.push(await cpuWindow(side, windowSec, writeShare));
      }
      const peer = windows.get('peer')!;
      const figure = (variant: Variant): CpuFigure => {
        const own = windows.get(variant)!;
        return {
          usPerRequest: medianOf(own.map((w) => w.us)),
          rounds: own.map((w) => w.us),
          requestsPerSec: medianOf(own.map((w) => w.rps)),
          ratio: medianOf(own.map((w, i) => w.us / peer[i]!.us)),
        };
      };
      loads.push({
        name,
        writeShare,
        figures: Object.fromEntries(VARIANTS.map((v) => [v, figure(v)])) as Record<Variant, CpuFigure>,
      });
    }
    const writes = loads.find((l) => l.name === 'writes')!.figures;
    return {
      rounds,
      windowSec,
      loads,
      target: {
        label: 'server CPU per write request, SessionKit (nearCache and defaults) <= express-session + connect-redis',
        met: writes['sessionkit-near'].ratio <= 1 && writes.sessionkit.ratio <= 1,
      },
    };
  } finally {
    for (const side of sides) await closeSide(side);
  }
}

/** Prints one line per server and load. */
export function printCpuReport(report: HttpCpuReport): void {
  console.table(
    report.loads.flatMap((load) =>
      VARIANTS.map((variant) => ({
        load: load.name,
        server: variant,
        'µs CPU / request': load.figures[variant].usPerRequest.toFixed(1),
        'vs express-session': `${load.figures[variant].ratio.toFixed(2)}x`,
        'rounds µs': load.figures[variant].rounds.map((us) => us.toFixed(0)).join(' '),
        'req/s': Math.round(load.figures[variant].requestsPerSec),
      })),
    ),
  );
}

/**
 * Runs one server alone with `node --cpu-prof` under `writeShare` load for `seconds` (after a 2 s warm-up that
 * the profile includes), stops it so Node writes the profile, and prints the top self-time frames.
 */
async function profile(framework: Framework, variant: Variant, writeShare: number, seconds: number): Promise<void> {
  const dir = join(fileURLToPath(new URL('../.profiles', import.meta.url)), `${framework}-${variant}-${Date.now()}`);
  const side = await openSide(framework, variant, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  try {
    await loadWindow(side, 2, writeShare);
    const window = await cpuWindow(side, seconds, writeShare);
    console.log(
      `${framework} ${variant}, write share ${writeShare}: ${window.us.toFixed(1)} µs CPU per request, ${Math.round(window.rps)} req/s`,
    );
  } finally {
    await closeSide(side);
  }
  console.log(summarizeProfile(dir));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const profiled = flag('profile') as Variant | undefined;
  const framework = (flag('framework') ?? 'express') as Framework;
  if (profiled) await profile(framework, profiled, Number(flag('writes') ?? '1'), Number(flag('seconds') ?? '10'));
  else printCpuReport(await runHttpCpuBench({ quick: process.argv.includes('--quick'), log: console.log }));
}

/**
 * What the `legacy` option (adopting express-session sessions, issue 21) costs a request that carries no legacy
 * cookie: requests/s of Express + `sessionMiddleware` on Redis with `legacy` configured against the same app
 * without it. Target: >= 0.98x, on each of two loads driven by autocannon (the HTTP benchmark's `load`):
 * - logged in: the HTTP benchmark's mix (90 % `GET /read`, 10 % `POST /write`) over 200 logged-in sessions
 *   with their SessionKit cookies. The option is never consulted: a request with a session skips it;
 * - anonymous: `GET /read` with cookies but no session cookie (`theme`, `lang`, an analytics cookie, a consent
 *   cookie), so every request has no SessionKit session and the option's check runs: a substring search of the
 *   `Cookie` header for the legacy cookie's name, which finds nothing (no parsing, no store call).
 *
 * How: one server process (`legacy-server.ts`) runs three apps on three ports: `plain` (no option), `control`
 * (the same, an A/A control that shows the noise) and `legacy` (the option). Paired rounds: in each round all three
 * are loaded in the same window, each by its own autocannon run, started in an order that rotates every round;
 * the ratio is the median of the per-round ratios (legacy / plain, control / plain). Loading them one after the
 * other, or in separate processes, measured noise larger than the effect: sequential windows on this shared
 * 2-core machine swung 0.66-1.59x from round to round, and two processes with identical apps sat 1.08x apart.
 *
 * Run alone: `npx tsx bench/src/legacy.ts [--quick]`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LegacyVariant } from './legacy-server.js';
import { deleteKeys, type LoadResult, load, login, SESSIONS, stopChild } from './lib/http-sides.js';
import { medianOf } from './lib/measure.js';

const SERVER = fileURLToPath(new URL('./legacy-server.ts', import.meta.url));
const TARGET = 0.98;
/** What an anonymous visitor's browser sends: cookies, none of them a session cookie. */
const ANONYMOUS_COOKIE = 'theme=dark; lang=en-GB; _ga=GA1.2.1234567890.1700000000; consent=analytics%3Dyes';
/** The apps of the server process, in its order. */
const VARIANTS: readonly LegacyVariant[] = ['plain', 'control', 'legacy'];

/** One load all three apps get. */
export interface LegacyWorkload {
  name: 'logged in' | 'anonymous';
  /** What the requests are. */
  label: string;
  /** Per round: requests/s of the server without the option, and with it. */
  plain: number[];
  legacy: number[];
  /** Per round: legacy / plain. */
  ratios: number[];
  /** Median of `ratios`. */
  ratio: number;
  /** Per round: the A/A control (a second app without the option) / plain: what noise alone gives. */
  controlRatios: number[];
  /** Median of `controlRatios`: should be 1.00. */
  controlRatio: number;
  /** Medians of the rounds' p50 latencies, ms. */
  plainP50Ms: number;
  legacyP50Ms: number;
  met: boolean;
}

/** What {@link runLegacyBench} reports. */
export interface LegacyBenchReport {
  rounds: number;
  windowSec: number;
  workloads: LegacyWorkload[];
  /** `>= 0.98x` on every load. */
  target: { label: string; met: boolean };
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

/** One app of the server process, with its logged-in cookies. */
interface App {
  variant: LegacyVariant;
  port: number;
  cookies: string[];
}

/** The server process: the three apps, on one SessionKit key prefix. */
interface ServerProcess {
  child: ChildProcess;
  prefix: string;
  apps: App[];
}

async function startServer(): Promise<ServerProcess> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `bench-legacy-${tag}:`;
  const child = fork(SERVER, [prefix, `bench-legacy-old-${tag}:`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<Record<LegacyVariant, number>>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { ports: Record<LegacyVariant, number> }).ports));
    child.once('exit', (code) => reject(new Error(`legacy benchmark server exited with ${code}`)));
  });
  const apps: App[] = [];
  for (const variant of VARIANTS) {
    apps.push({ variant, port: ports[variant], cookies: await login(ports[variant], SESSIONS, variant) });
  }
  return { child, prefix, apps };
}

/** Stops the server process and deletes its keys. */
async function stopServer(server: ServerProcess): Promise<void> {
  await stopChild(server.child);
  await deleteKeys(server.prefix);
}

/** One autocannon window on one app; a non-2xx answer or an error fails the run. */
async function measureWindow(app: App, workload: LegacyWorkload['name'], durationSec: number): Promise<LoadResult> {
  const result =
    workload === 'logged in'
      ? await load(app.port, app.cookies, { durationSec })
      : await load(app.port, [ANONYMOUS_COOKIE], { durationSec }, 0);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${app.variant}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return result;
}

/** Runs the comparison (needs the Redis from `node services/bin/services.mjs up redis`). */
export async function runLegacyBench(opts: { quick: boolean }): Promise<LegacyBenchReport> {
  // Many short rounds rather than a few long ones: a burst of other work on a shared machine then spoils few
  // rounds, and the median drops them. A multiple of 3, so each app starts first, second and third equally often.
  const rounds = opts.quick ? 6 : 21;
  const windowSec = opts.quick ? 2 : 3;
  let server: ServerProcess | undefined;
  try {
    server = await startServer();
    const { apps } = server;
    const workloads: LegacyWorkload[] = [];
    for (const [name, label] of [
      ['logged in', `90 % GET /read, 10 % POST /write over ${SESSIONS} logged-in sessions (SessionKit cookies)`],
      [
        'anonymous',
        "GET /read with four cookies and none of them a session cookie (the option's check runs on every request)",
      ],
    ] as const) {
      await Promise.all(server.apps.map((app) => measureWindow(app, name, 2))); // warm-up
      const rps: Record<LegacyVariant, number[]> = { plain: [], control: [], legacy: [] };
      const p50: Record<LegacyVariant, number[]> = { plain: [], control: [], legacy: [] };
      for (let round = 0; round < rounds; round++) {
        // The apps loaded in the same window, each by its own autocannon run, started in an order that rotates
        // every round: whatever else the machine does meanwhile slows all alike, and they share one process.
        const order = apps.map((_, i) => apps[(i + round) % apps.length]!);
        const results = await Promise.all(order.map((app) => measureWindow(app, name, windowSec)));
        for (const [i, app] of order.entries()) {
          rps[app.variant].push(results[i]!.requestsPerSec);
          p50[app.variant].push(results[i]!.p50);
        }
      }
      const ratios = rps.legacy.map((value, round) => value / rps.plain[round]!);
      const controlRatios = rps.control.map((value, round) => value / rps.plain[round]!);
      const ratio = medianOf(ratios);
      workloads.push({
        name,
        label,
        plain: rps.plain,
        legacy: rps.legacy,
        ratios,
        ratio,
        controlRatios,
        controlRatio: medianOf(controlRatios),
        plainP50Ms: medianOf(p50.plain),
        legacyP50Ms: medianOf(p50.legacy),
        met: ratio >= TARGET,
      });
    }
    return {
      rounds,
      windowSec,
      workloads,
      target: {
        label: `requests/s with \`legacy\` configured and no legacy cookie >= ${TARGET}x without the option`,
        met: workloads.every((w) => w.met),
      },
    };
  } finally {
    if (server) await stopServer(server);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runLegacyBench({ quick: process.argv.includes('--quick') });
  console.table(
    report.workloads.map((w) => ({
      load: w.name,
      'plain req/s': Math.round(medianOf(w.plain)),
      'legacy req/s': Math.round(medianOf(w.legacy)),
      ratio: w.ratio.toFixed(3),
      'A/A control': w.controlRatio.toFixed(3),
      'per-round ratios': w.ratios.map((r) => r.toFixed(3)).join(' '),
    })),
  );
  console.log(`${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}`);
}

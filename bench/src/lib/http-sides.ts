/**
 * What every HTTP benchmark shares, on the load side: the settings (Redis, sessions, connections, write share),
 * the server launcher (each server under test in its own child process, {@link openSide}), the login that seeds
 * the logged-in sessions, the autocannon load ({@link load}), the alternating windows ({@link alternate}) and the
 * requests/s rows built from their medians ({@link ratioRow}). The servers themselves are in
 * `src/frameworks/<framework>.ts`, started by `src/lib/http-server-child.ts`.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { type BenchResult, medianOf } from './measure.js';

/** The Redis every HTTP benchmark server uses. */
export const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? 'redis://127.0.0.1:16379';
/** Logged-in sessions the load spreads its requests over. */
export const SESSIONS = 200;
/** autocannon connections. */
export const CONNECTIONS = 32;
/** Share of `POST /write` in the default load (the rest is `GET /read`). */
export const WRITE_SHARE = 0.1;
/** Idle timeout of every session library under test. */
export const IDLE_MS = 30 * 60_000;
/** A fixed, long-enough secret for the benchmark only. */
export const SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The frameworks with a benchmark server (`src/frameworks/<framework>.ts`). */
export type Framework = 'express' | 'fastify' | 'koa' | 'hono';

/**
 * The servers of each framework: SessionKit with and without the Redis store's near cache, the framework's own
 * session library (`peer`), the framework alone with the same routes and no session at all (`bare`), and the
 * framework with a do-nothing lazy session middleware (`lazy-floor`). The last two bound the requests/s ratio.
 */
export type Variant = 'sessionkit' | 'sessionkit-near' | 'peer' | 'bare' | 'lazy-floor';

/** The child process entry that runs one server (see {@link openSide}). */
const SERVER_CHILD = fileURLToPath(new URL('./http-server-child.ts', import.meta.url));

/** What one autocannon window measured. */
export interface LoadResult {
  requestsPerSec: number;
  /** Server CPU time (user + system) per request in the window, µs: set by {@link alternate}. */
  cpuUsPerRequest?: number;
  total: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
}

/**
 * Drives the read/write mix at `port` with autocannon ({@link CONNECTIONS} connections) for a duration or a
 * number of requests: each request is a `POST /write` with probability `writeShare`, else a `GET /read`, with
 * one of `cookies` picked at random.
 */
export async function load(
  port: number,
  cookies: string[],
  limit: { durationSec?: number; amount?: number },
  writeShare = WRITE_SHARE,
): Promise<LoadResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...(limit.amount ? { amount: limit.amount } : { duration: limit.durationSec }),
    requests: [
      {
        method: 'GET',
        path: '/read',
        setupRequest: (request: autocannon.Request) => {
          const write = Math.random() < writeShare;
          const cookie = cookies[Math.floor(Math.random() * cookies.length)]!;
          return { ...request, method: write ? 'POST' : 'GET', path: write ? '/write' : '/read', headers: { cookie } };
        },
      },
    ],
  });
  return {
    requestsPerSec: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * Logs in `count` users (`POST /login?u=<user><i>`) and returns each one's `Cookie` header: every cookie its
 * login set, as `name=value` pairs (koa-session's signed cookie comes with a second, `.sig` cookie).
 */
export async function login(port: number, count: number, user = 'user'): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/login?u=${user}${i}`, { method: 'POST' });
    // As a browser keeps them: the last value of each name (hono-sessions sets its cookie twice on a login).
    const jar = new Map<string, string>();
    for (const pair of response.headers.getSetCookie().map((c) => c.split(';')[0]!)) {
      jar.set(pair.slice(0, pair.indexOf('=')), pair);
    }
    const cookie = [...jar.values()].join('; ');
    if (response.status !== 200 || !cookie) throw new Error(`login failed: ${response.status}`);
    cookies.push(cookie);
  }
  return cookies;
}

/** Asks a server child process to stop (it closes its server and store), and kills it after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null) child.kill();
}

/** Deletes every Redis key under `prefix`. */
export async function deleteKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
}

/** One server under test: its child process, its key prefix, its logged-in cookies and measured rounds. */
export interface Side {
  framework: Framework;
  variant: Variant;
  prefix: string;
  port: number;
  child: ChildProcess;
  cookies: string[];
  rounds: LoadResult[];
}

/**
 * Starts `framework`'s `variant` server in a child process (so the load generator does not share its event
 * loop) and logs in {@link SESSIONS} users. `execArgv` adds Node flags to the child (e.g. `--cpu-prof`), `env`
 * environment variables (e.g. the telemetry mode of `telemetry-setup.ts`).
 */
export async function openSide(
  framework: Framework,
  variant: Variant,
  execArgv: string[] = [],
  env: Record<string, string> = {},
): Promise<Side> {
  const prefix = `bench-http-${framework}-${variant}-${randomBytes(4).toString('hex')}:`;
  const child = fork(SERVER_CHILD, [framework, variant, prefix], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${framework} ${variant} server exited with ${code}`)));
  });
  try {
    return { framework, variant, prefix, port, child, cookies: await login(port, SESSIONS), rounds: [] };
  } catch (error) {
    await stopChild(child);
    await deleteKeys(prefix);
    throw error;
  }
}

/** Stops a server and deletes its keys from Redis. */
export async function closeSide(side: Side): Promise<void> {
  await stopChild(side.child);
  await deleteKeys(side.prefix);
}

/** One window of load on `side`; a non-2xx answer or an error fails the run. */
export async function loadWindow(side: Side, durationSec: number, writeShare = WRITE_SHARE): Promise<LoadResult> {
  const result = await load(side.port, side.cookies, { durationSec }, writeShare);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${side.framework} ${side.variant}: ${result.non2xx} non-2xx responses and ${result.errors} errors`,
    );
  }
  return result;
}

/**
 * Measures `sides` in alternating windows (a 1 s warm-up each, then `rounds` rounds of one `windowSec` window per
 * side, in the same order), appending each window to its side's `rounds`: a load spike on the machine hits a
 * round of every side rather than one side.
 */
export async function alternate(sides: Side[], rounds: number, windowSec: number): Promise<void> {
  for (const side of sides) await loadWindow(side, 1);
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) {
      const before = serverCpuMs(side);
      const result = await loadWindow(side, windowSec);
      side.rounds.push({ ...result, cpuUsPerRequest: ((serverCpuMs(side) - before) * 1000) / result.total });
    }
  }
}

/**
 * CPU time (user + system) the server process of `side` has used so far, ms, from `/proc/<pid>/stat`. CPU time
 * does not count time spent waiting for a CPU, so it moves less than requests/s on a shared machine.
 */
export function serverCpuMs(side: Side): number {
  const fields = readFileSync(`/proc/${side.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A requests/s row: `side` against `reference` over the same alternating rounds. The ratio is the median of the
 * per-round ratios (listed in the notes after `method`); requests/s and latencies are each side's medians.
 */
export function ratioRow(
  reference: Side,
  side: Side,
  spec: { name: string; baseline: string; method: string; target?: number },
): BenchResult {
  const ratios = side.rounds.map((r, i) => r.requestsPerSec / reference.rounds[i]!.requestsPerSec);
  const ratio = medianOf(ratios);
  const median = (of: Side, pick: (r: LoadResult) => number) => medianOf(of.rounds.map(pick));
  return {
    name: spec.name,
    baseline: spec.baseline,
    opsPerSec: median(side, (r) => r.requestsPerSec),
    baselineOpsPerSec: median(reference, (r) => r.requestsPerSec),
    ratio,
    ...(spec.target !== undefined ? { target: `>= ${spec.target}x`, met: ratio >= spec.target } : {}),
    p50Ms: median(side, (r) => r.p50),
    p99Ms: median(side, (r) => r.p99),
    baselineP50Ms: median(reference, (r) => r.p50),
    baselineP99Ms: median(reference, (r) => r.p99),
    notes: `${spec.method}; per-round ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
  };
}

/** How one framework's servers are named in its rows. */
export interface FrameworkLabels {
  /** The framework, e.g. `Express`. */
  name: string;
  /** Its session library and store, e.g. `Express + express-session + connect-redis 9 (redis 5)`. */
  peer: string;
  /** What its do-nothing lazy session middleware does, e.g. `only sets req.session`. */
  floor: string;
}

/** The requests/s targets of one framework: SessionKit with the near cache against its peer and its lazy floor. */
export interface FrameworkTargets {
  /** Minimum ratio to the peer (Express 1.5, the others 1.3). */
  peer: number;
  /** Minimum ratio to the do-nothing lazy middleware. */
  floor: number;
}

/** The do-nothing lazy middleware target of every framework (issue 22). */
export const FLOOR_TARGET = 0.85;

/** One framework's requests/s rows, from the alternating rounds of its five {@link Side}s. */
export interface FrameworkRows {
  /** SessionKit with the near cache / the peer (judged). */
  near: BenchResult;
  /** SessionKit with the store's defaults / the peer (reported). */
  plain: BenchResult;
  /** The framework alone / the peer (a ceiling). */
  bare: BenchResult;
  /** The do-nothing lazy middleware / the peer (a ceiling). */
  floor: BenchResult;
  /** SessionKit with the near cache / the do-nothing lazy middleware (judged). */
  nearVsFloor: BenchResult;
}

/**
 * The requests/s rows of one framework measured by {@link alternate}: each SessionKit configuration and the two
 * ceilings against the peer, and SessionKit with the near cache against the do-nothing lazy middleware.
 */
export function frameworkRows(
  labels: FrameworkLabels,
  sides: Record<Variant, Side>,
  windowSec: number,
  targets: FrameworkTargets,
): FrameworkRows {
  const setup = `${CONNECTIONS} connections, ${SESSIONS} sessions, ${Math.round(WRITE_SHARE * 100)}% writes`;
  const method = `requests/s (median of ${sides.peer.rounds.length} alternating ${windowSec} s autocannon windows; ${setup})`;
  const windows = `measured in the same alternating ${windowSec} s windows`;
  const floorName = `${labels.name} + a lazy session middleware that does nothing`;
  const near = `${labels.name} + @sessionkit/http + RedisSessionStore with nearCache`;
  return {
    near: ratioRow(sides.peer, sides['sessionkit-near'], {
      name: near,
      baseline: labels.peer,
      method,
      target: targets.peer,
    }),
    plain: ratioRow(sides.peer, sides.sessionkit, {
      name: `${labels.name} + @sessionkit/http + RedisSessionStore (defaults, no near cache)`,
      baseline: labels.peer,
      method,
    }),
    bare: ratioRow(sides.peer, sides.bare, {
      name: `${labels.name} alone, same routes, no session middleware (the ceiling of the requests/s ratio)`,
      baseline: labels.peer,
      method: `requests/s of a ${labels.name} app with no sessions, ${windows}: what a session middleware that cost nothing would reach`,
    }),
    floor: ratioRow(sides.peer, sides['lazy-floor'], {
      name: `${floorName} (the ceiling for lazy loading)`,
      baseline: labels.peer,
      method:
        `requests/s of the same routes behind a middleware that ${labels.floor}, each handler awaiting it once, ${windows}: ` +
        'what a lazily loading session middleware whose store and token work cost nothing would reach',
    }),
    nearVsFloor: ratioRow(sides['lazy-floor'], sides['sessionkit-near'], {
      name: `${near}, against the lazy middleware that does nothing`,
      baseline: floorName,
      method: `requests/s, ${windows}`,
      target: targets.floor,
    }),
  };
}

/**
 * Same-session write burst: 100 concurrent `POST /cart/add` on one session, spread round-robin over 3 app
 * processes on one Redis (127.0.0.1:16379 unless SESSIONKIT_REDIS_URL), for SessionKit (`@sessionkit/http`,
 * `RedisSessionStore`, `Session.update`) and for express-session + connect-redis on the same routes
 * (`burst-server.ts`). Each round starts a fresh session, fires the burst, then reads the cart back through
 * every process and counts which acknowledged adds it holds. Target: SessionKit persists 100 % of the writes
 * it acknowledged. The two sides' rounds alternate (express-session, SessionKit, ...).
 *
 * The client opens its sockets before each burst (one keep-alive socket per request, 34/33/33 over the
 * processes), so the 100 requests are on the wire at once and no TCP handshake is timed.
 *
 * Run alone: `npx tsx bench/src/burst.ts [--quick]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import type { BurstSide } from './burst-server.js';
import { percentileOf } from './lib/measure.js';

const SERVER = fileURLToPath(new URL('./burst-server.ts', import.meta.url));
const PROCESSES = 3;
const REQUESTS = 100;

/** What one round measured on one side. */
export interface BurstRound {
  /** Answers 2xx or 3xx. */
  acknowledged: number;
  /** Acknowledged items found in the cart afterwards. */
  persisted: number;
  /** Answers 409. */
  conflicts: number;
  /** Answers >= 500. */
  serverErrors: number;
  /** Other 4xx answers, and requests that got no answer. */
  otherFailures: number;
  /** Items in the cart whose request was not acknowledged, and items found more than once (both should be 0). */
  unexpected: number;
  /** First request sent to last answer, ms. */
  drainMs: number;
  /** Each request's latency (sent to answer read), ms. */
  latenciesMs: number[];
}

/** One side's totals over all rounds. */
export interface BurstSideResult {
  side: BurstSide;
  /** What runs on this side, for the report. */
  label: string;
  rounds: BurstRound[];
  requests: number;
  acknowledged: number;
  persisted: number;
  /** Acknowledged but not in the cart. */
  lost: number;
  conflicts: number;
  serverErrors: number;
  otherFailures: number;
  unexpected: number;
  /** Per-request latency over all requests of all rounds, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Time to drain one burst, over the rounds, ms (with few rounds, p99 is the slowest round). */
  drainP50Ms: number;
  drainP99Ms: number;
}

/** What {@link runBurstBench} reports. */
export interface BurstReport {
  processes: number;
  requestsPerRound: number;
  rounds: number;
  sides: BurstSideResult[];
  /** "SessionKit persists 100 % of acknowledged writes", judged over all rounds. */
  target: { label: string; met: boolean };
  /** The error of a first attempt that the runner retried. */
  retried?: string;
}

const LABELS: Record<BurstSide, string> = {
  sessionkit: '@sessionkit/http + RedisSessionStore (store defaults: no near cache)',
  'express-session': 'express-session 1.19 (`resave: false`) + connect-redis 9 (redis 5 client)',
};

interface App {
  url: string;
  child: ChildProcess;
}

/** Starts one app process and resolves once it answers `GET /ping` (rejects with its output if it exits). */
async function startApp(side: BurstSide, prefix: string, secret: string): Promise<App> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, side, '0', endpoints.redis.url, prefix], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, BURST_SECRET: secret },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`${side} app exited with ${code}: ${output.slice(-2000)}`)));
  });
  const app = { url, child };
  const ping = await send(new Agent(), app, 'GET', '/ping');
  if (ping.status !== 204) throw new Error(`${side} app at ${url} answered ${ping.status} to /ping`);
  return app;
}

/** SIGTERM, then SIGKILL after 5 s. */
async function stopApp({ child }: App): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

interface Answer {
  status: number;
  body: string;
  setCookie: string[];
  ms: number;
}

/** One request over `agent`; status 0 when it got no answer. */
function send(agent: Agent, app: App, method: string, path: string, cookie?: string): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      `${app.url}${path}`,
      { method, agent, headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            setCookie: res.headers['set-cookie'] ?? [],
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, body: '', setCookie: [], ms: performance.now() - started }));
    req.end();
  });
}

/** The request index's app: round-robin, so the burst is spread 34/33/33. */
const appFor = (apps: App[], i: number) => apps[i % apps.length]!;

/** One round: a fresh session, the burst, the cart read back through every process. */
async function round(apps: App[], agent: Agent, index: number): Promise<BurstRound> {
  const start = await send(agent, appFor(apps, index), 'POST', '/start');
  const cookie = start.setCookie[0]?.split(';')[0];
  if (start.status !== 204 || !cookie)
    throw new Error(`POST /start answered ${start.status}${cookie ? '' : ' without a cookie'}`);
  // Open one socket per request of the burst, so all of them are in flight at once.
  await Promise.all(Array.from({ length: REQUESTS }, (_, i) => send(agent, appFor(apps, i), 'GET', '/ping')));

  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) => send(agent, appFor(apps, i), 'POST', `/cart/add?item=${i}`, cookie)),
  );
  const drainMs = performance.now() - started;

  const reads = await Promise.all(apps.map((app) => send(agent, app, 'GET', '/cart', cookie)));
  const failed = reads.findIndex((read) => read.status !== 200);
  if (failed !== -1) throw new Error(`GET /cart on ${apps[failed]!.url} answered ${reads[failed]!.status}`);
  if (reads.some((read) => read.body !== reads[0]!.body)) throw new Error('the processes read different carts');
  const cart = (JSON.parse(reads[0]!.body) as number[] | null) ?? [];
  const acknowledged = new Set(answers.flatMap((a, i) => (a.status >= 200 && a.status < 400 ? [i] : [])));
  const persisted = new Set(cart.filter((item) => acknowledged.has(item)));
  return {
    acknowledged: acknowledged.size,
    persisted: persisted.size,
    conflicts: answers.filter((a) => a.status === 409).length,
    serverErrors: answers.filter((a) => a.status >= 500).length,
    otherFailures: answers.filter((a) => a.status === 0 || (a.status >= 400 && a.status < 500 && a.status !== 409))
      .length,
    unexpected: cart.length - persisted.size,
    drainMs,
    latenciesMs: answers.map((a) => a.ms),
  };
}

function summarize(side: BurstSide, rounds: BurstRound[]): BurstSideResult {
  const sum = (pick: (r: BurstRound) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const latencies = rounds.flatMap((r) => r.latenciesMs);
  const drains = rounds.map((r) => r.drainMs);
  return {
    side,
    label: LABELS[side],
    rounds,
    requests: rounds.length * REQUESTS,
    acknowledged: sum((r) => r.acknowledged),
    persisted: sum((r) => r.persisted),
    lost: sum((r) => r.acknowledged - r.persisted),
    conflicts: sum((r) => r.conflicts),
    serverErrors: sum((r) => r.serverErrors),
    otherFailures: sum((r) => r.otherFailures),
    unexpected: sum((r) => r.unexpected),
    latencyP50Ms: percentileOf(latencies, 50),
    latencyP99Ms: percentileOf(latencies, 99),
    drainP50Ms: percentileOf(drains, 50),
    drainP99Ms: percentileOf(drains, 99),
  };
}

/** Deletes every key under `prefix`. */
async function deleteKeys(prefix: string): Promise<void> {
  const admin = new Redis(endpoints.redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/**
 * Runs the burst on both sides (needs the Redis from `node services/bin/services.mjs up redis`): 3 app
 * processes per side, 20 rounds (3 with `quick`) alternating between the sides. The app processes are
 * stopped and their keys deleted at the end, also on error.
 */
export async function runBurstBench(opts: { quick: boolean; log?: (line: string) => void }): Promise<BurstReport> {
  const rounds = opts.quick ? 3 : 20;
  const secret = randomBytes(32).toString('base64url');
  const sides = (['express-session', 'sessionkit'] as const).map((side) => ({
    side,
    prefix: `bench-burst-${side}-${randomBytes(4).toString('hex')}:`,
    apps: [] as App[],
    agent: new Agent({ keepAlive: true }),
    rounds: [] as BurstRound[],
  }));
  try {
    for (const s of sides) {
      const started = await Promise.allSettled(
        Array.from({ length: PROCESSES }, () => startApp(s.side, s.prefix, secret)),
      );
      s.apps = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    for (let i = 0; i < rounds; i++) {
      for (const s of sides) {
        const result = await round(s.apps, s.agent, i);
        opts.log?.(
          `${s.side} round ${i + 1}: ${result.acknowledged} acknowledged, ${result.persisted} persisted, ${result.drainMs.toFixed(0)} ms`,
        );
        s.rounds.push(result);
      }
    }
  } finally {
    for (const s of sides) {
      s.agent.destroy();
      await Promise.all(s.apps.map(stopApp));
      await deleteKeys(s.prefix).catch((error: Error) =>
        opts.log?.(`could not delete the keys under ${s.prefix}: ${error.message}`),
      );
    }
  }
  const results = sides.map((s) => summarize(s.side, s.rounds));
  const sk = results.find((r) => r.side === 'sessionkit')!;
  return {
    processes: PROCESSES,
    requestsPerRound: REQUESTS,
    rounds,
    sides: results,
    target: { label: 'SessionKit persists 100 % of acknowledged writes', met: sk.acknowledged > 0 && sk.lost === 0 },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runBurstBench({ quick: process.argv.includes('--quick'), log: console.log });
  console.table(
    report.sides.map((s) => ({
      side: s.side,
      acknowledged: s.acknowledged,
      persisted: s.persisted,
      'persisted / acknowledged': `${((s.persisted / s.acknowledged) * 100).toFixed(1)} %`,
      lost: s.lost,
      'answers 409': s.conflicts,
      'answers >= 500': s.serverErrors,
      'other failures': s.otherFailures,
      'latency p50 / p99 ms': `${s.latencyP50Ms.toFixed(1)} / ${s.latencyP99Ms.toFixed(1)}`,
      'drain p50 / p99 ms': `${s.drainP50Ms.toFixed(1)} / ${s.drainP99Ms.toFixed(1)}`,
    })),
  );
  console.log(`${report.target.label}: ${report.target.met ? 'met' : 'NOT met'}`);
}

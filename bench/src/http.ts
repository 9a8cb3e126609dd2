/**
 * HTTP benchmark: Express + @sessionkit/http + RedisSessionStore against Express + express-session +
 * connect-redis 9 (redis 5 client), same routes, same Redis (127.0.0.1:16379 unless SESSIONKIT_REDIS_URL),
 * read-mostly load (90% GET /read, 10% POST /write) from autocannon over 200 logged-in sessions.
 *
 * Two ceilings of the requests/s ratio run in the same rounds: Express alone with the same routes and no
 * sessions (no session middleware can be faster than none), and Express behind a lazy session middleware that
 * does nothing but cost what lazy loading costs in Express (one middleware layer, one `await` per handler).
 *
 * SessionKit runs twice: with the Redis store's near cache (`nearCache: true`, Redis-invalidated, see
 * docs/redis.md), which is the configuration judged against the targets, and with the store's defaults,
 * reported next to it. Each server runs in its own child process (so the load generator does not share its
 * event loop); all five run at once and are measured in alternating windows. Two numbers per side:
 * - throughput: autocannon requests/s over a fixed window (target >= 1.5x);
 * - Redis commands per request (target <= 0.5x): a separate fixed-size phase. INFO commandstats counts
 *   every executed command, including those a Lua script runs, but it is global and the shared test server
 *   carries other traffic; so the reported figure counts the same thing from MONITOR, filtered on this run's
 *   key prefix (which also separates client round trips from script-internal calls). The raw commandstats
 *   delta is kept in the notes.
 *
 * Run alone: `npx tsx bench/src/http.ts [--quick]`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { type BenchResult, medianOf, printResults } from './lib/measure.js';

const REDIS_URL = process.env.SESSIONKIT_REDIS_URL ?? 'redis://127.0.0.1:16379';
const SESSIONS = 200;
const CONNECTIONS = 32;
const WRITE_SHARE = 0.1;
const IDLE_MS = 30 * 60_000;
/** A fixed, long-enough secret for the benchmark only. */
const SECRET = 'bench-only-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/**
 * The SessionKit side with and without the Redis store's near cache, the express-session baseline, Express
 * alone with the same routes and no session at all, and Express with a do-nothing lazy session middleware (one
 * layer, one `await` per handler): the last two bound the requests/s ratio.
 */
export type Variant = 'sessionkit' | 'sessionkit-near' | 'express-session' | 'bare' | 'lazy-floor';

// ---------------------------------------------------------------------------------------------------------
// Server side (child process)
// ---------------------------------------------------------------------------------------------------------

async function serve(variant: Variant, prefix: string): Promise<void> {
  const { default: express } = await import('express');
  const app = express();
  app.set('env', 'production');
  app.set('etag', false);
  const url = new URL(REDIS_URL);
  let close: () => Promise<void>;

  if (variant === 'sessionkit' || variant === 'sessionkit-near') {
    const { SessionManager, expiryPresets } = await import('@sessionkit/core');
    const { RedisSessionStore } = await import('@sessionkit/redis');
    const { sessionMiddleware } = await import('@sessionkit/http');
    const { addSessionKitRoutes } = await import('./lib/sessionkit-routes.js');
    const store = new RedisSessionStore({
      connection: { host: url.hostname, port: Number(url.port) },
      keyPrefix: prefix,
      nearCache: variant === 'sessionkit-near',
    });
    const manager = new SessionManager({ ...expiryPresets.workday, idleTimeout: IDLE_MS, store });
    app.use(sessionMiddleware({ manager, secrets: [SECRET], cookie: { secure: false } }));
    addSessionKitRoutes(app);
    close = () => store.close();
  } else if (variant === 'bare' || variant === 'lazy-floor') {
    let count = 0;
    app.post('/login', (_req, res) => {
      res.setHeader('set-cookie', 'sid=none; Path=/; HttpOnly');
      res.json({ ok: true });
    });
    if (variant === 'bare') {
      app.get('/read', (_req, res) => {
        res.json({ user: 'user0', count });
      });
      app.post('/write', (_req, res) => {
        res.json({ count: ++count });
      });
    } else {
      // The least any lazily loading session middleware adds to Express: one middleware layer that puts a
      // handle on `req.session`, and one `await` in each handler (where SessionKit's routes await
      // `getSession(req).get()`). The handle does no work at all.
      const handle = { get: () => Promise.resolve(count) };
      app.use(function lazyFloor(req, _res, next) {
        (req as { session?: unknown }).session = handle;
        next();
      });
      const floor = (req: unknown) => (req as { session: typeof handle }).session;
      app.get('/read', async (req, res) => {
        res.json({ user: 'user0', count: await floor(req).get() });
      });
      app.post('/write', async (req, res) => {
        await floor(req).get();
        res.json({ count: ++count });
      });
    }
    close = async () => {};
  } else {
    const { default: session } = await import('express-session');
    const { RedisStore } = await import('connect-redis');
    const { createClient } = await import('redis');
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    app.use(
      session({
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        store: new RedisStore({ client, prefix }),
        cookie: { maxAge: IDLE_MS, httpOnly: true, sameSite: 'lax', secure: false },
      }),
    );
    const data = (req: unknown) =>
      (req as { session: Record<string, unknown> & { regenerate(cb: (e?: unknown) => void): void } }).session;
    app.post('/login', (req, res, next) => {
      data(req).regenerate((error) => {
        if (error) return next(error);
        data(req).user = String(req.query.u);
        data(req).count = 0;
        res.json({ ok: true });
      });
    });
    app.get('/read', (req, res) => {
      res.json({ user: data(req).user ?? null, count: data(req).count ?? null });
    });
    app.post('/write', (req, res) => {
      const count = ((data(req).count as number | undefined) ?? 0) + 1;
      data(req).count = count;
      res.json({ count });
    });
    close = async () => {
      await client.quit();
    };
  }

  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('disconnect', () => process.exit(1)); // the parent died: do not linger
  process.on('message', (message) => {
    if (message === 'stop') server.close(() => void close().finally(() => process.exit(0)));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Load side (parent)
// ---------------------------------------------------------------------------------------------------------

function startServer(variant: Variant, prefix: string): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', variant, prefix], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ port: (message as { port: number }).port, child }));
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null) child.kill();
}

async function login(port: number, count: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/login?u=user${i}`, { method: 'POST' });
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    if (response.status !== 200 || !cookie) throw new Error(`login failed: ${response.status}`);
    cookies.push(cookie);
  }
  return cookies;
}

/** What one autocannon window measured. */
export interface LoadResult {
  requestsPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
}

/** Drives the 90/10 mix (or `writeShare`) at `port` with autocannon for a duration or a number of requests. */
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

async function commandCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!['info', 'monitor', 'ping', 'client|list', 'client'].includes(match[1]!)) total += Number(match[2]);
  }
  return total;
}

interface CommandCount {
  requests: number;
  /** INFO commandstats delta per request (global: includes script-internal calls and any other traffic). */
  statsPerRequest: number;
  /** MONITOR lines with this run's prefix issued by a client, per request (round trips). */
  clientPerRequest: number;
  /** MONITOR lines with this run's prefix including those run inside Lua scripts, per request. */
  executedPerRequest: number;
}

async function countCommands(port: number, cookies: string[], prefix: string, amount: number): Promise<CommandCount> {
  const admin = new Redis(REDIS_URL);
  // A raw MONITOR connection: each line is `+<time> [<db> <client addr>|lua] "cmd" "arg" ...`.
  const url = new URL(REDIS_URL);
  const monitor = connect(Number(url.port), url.hostname);
  let client = 0;
  let executed = 0;
  let pending = '';
  monitor.setEncoding('latin1');
  monitor.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\r\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 2);
      if (line.includes(prefix)) {
        executed++;
        if (!line.includes(' lua] ')) client++;
      }
      newline = pending.indexOf('\r\n');
    }
  });
  monitor.write('MONITOR\r\n');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = await commandCalls(admin);
  const result = await load(port, cookies, { amount });
  const after = await commandCalls(admin);
  await new Promise((resolve) => setTimeout(resolve, 200)); // let MONITOR drain
  monitor.destroy();
  admin.disconnect();
  const requests = result.total;
  return {
    requests,
    statsPerRequest: (after - before) / requests,
    clientPerRequest: client / requests,
    executedPerRequest: executed / requests,
  };
}

/** One server under test: its child process, its key prefix, its logged-in cookies and measured rounds. */
export interface Side {
  variant: Variant;
  prefix: string;
  port: number;
  child: ChildProcess;
  cookies: string[];
  rounds: LoadResult[];
}

/** Starts a server in a child process and logs in the benchmark's users. */
export async function openSide(variant: Variant): Promise<Side> {
  const prefix = `bench-http-${variant}-${randomBytes(4).toString('hex')}:`;
  const { port, child } = await startServer(variant, prefix);
  return { variant, prefix, port, child, cookies: await login(port, SESSIONS), rounds: [] };
}

/** Stops a server and deletes its keys from Redis. */
export async function closeSide(side: Side): Promise<void> {
  await stopServer(side.child);
  const admin = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${side.prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  admin.disconnect();
}

/**
 * Runs the HTTP comparison (needs the Redis from `node services/bin/services.mjs up redis`). Both servers run
 * at once in child processes and are measured in alternating windows (baseline, SessionKit, baseline, ...),
 * so a load spike on the machine hits both sides; the reported ratio is the median of the per-round ratios.
 */
export async function runHttpBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const rounds = opts.quick ? 3 : 5;
  const windowSec = opts.quick ? 3 : 8;
  const sides: Side[] = [];
  try {
    for (const variant of ['express-session', 'sessionkit', 'sessionkit-near', 'bare', 'lazy-floor'] as const) {
      sides.push(await openSide(variant));
    }
    for (const side of sides) await load(side.port, side.cookies, { durationSec: 1 }); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        const result = await load(side.port, side.cookies, { durationSec: windowSec });
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`${side.variant}: ${result.non2xx} non-2xx responses and ${result.errors} errors`);
        }
        side.rounds.push(result);
      }
    }
    const amount = opts.quick ? 2000 : 5000;
    const counts: CommandCount[] = [];
    // The two ceilings make no Redis calls: nothing to count.
    for (const side of sides.slice(0, 3))
      counts.push(await countCommands(side.port, side.cookies, side.prefix, amount));
    const [baseline, plain, near, bare, lazyFloor] = sides as [Side, Side, Side, Side, Side];
    const [baseCount, plainCount, nearCount] = counts as [CommandCount, CommandCount, CommandCount];
    return [
      ...report(baseline, near, baseCount, nearCount, windowSec, {
        judged: true,
        label: 'RedisSessionStore with nearCache',
      }),
      ...report(baseline, plain, baseCount, plainCount, windowSec, {
        judged: false,
        label: 'RedisSessionStore (defaults, no near cache)',
      }),
      ...ceilings(baseline, bare, lazyFloor, windowSec),
    ];
  } finally {
    for (const side of sides) await closeSide(side);
  }
}

/** The baseline every row of this benchmark is measured against. */
const BASELINE = 'Express + express-session + connect-redis 9 (redis 5)';

/**
 * A requests/s row: `side` against the baseline over the same alternating rounds, the ratio being the median
 * of the per-round ratios (listed in the notes after `method`).
 */
function throughputRow(baseline: Side, side: Side, name: string, method: string, target?: number): BenchResult {
  const ratios = side.rounds.map((r, i) => r.requestsPerSec / baseline.rounds[i]!.requestsPerSec);
  const ratio = medianOf(ratios);
  const median = (of: Side, pick: (r: LoadResult) => number) => medianOf(of.rounds.map(pick));
  return {
    name,
    baseline: BASELINE,
    opsPerSec: median(side, (r) => r.requestsPerSec),
    baselineOpsPerSec: median(baseline, (r) => r.requestsPerSec),
    ratio,
    ...(target !== undefined ? { target: `>= ${target}x`, met: ratio >= target } : {}),
    p50Ms: median(side, (r) => r.p50),
    p99Ms: median(side, (r) => r.p99),
    baselineP50Ms: median(baseline, (r) => r.p50),
    baselineP99Ms: median(baseline, (r) => r.p99),
    notes: `${method}; per-round ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
  };
}

/**
 * The two ceilings of the requests/s ratio on this machine and load generator, measured against the baseline in
 * the same rounds (informational): Express alone, with the same routes and no session at all (what a session
 * middleware that cost nothing would reach), and Express with a lazy session middleware that does nothing (one
 * middleware layer and one `await` per handler, the least that lazy loading costs in Express).
 */
function ceilings(baseline: Side, bare: Side, lazyFloor: Side, windowSec: number): BenchResult[] {
  const windows = `measured in the same alternating ${windowSec} s windows`;
  return [
    throughputRow(
      baseline,
      bare,
      'Express alone, same routes, no session middleware (the ceiling of the requests/s ratio)',
      `requests/s of an Express app with no sessions, ${windows}: what a session middleware that cost nothing would reach`,
    ),
    throughputRow(
      baseline,
      lazyFloor,
      'Express + a lazy session middleware that does nothing (the ceiling for lazy loading)',
      `requests/s of the same routes behind a middleware that only sets req.session, each handler awaiting it once, ${windows}: ` +
        'what a lazily loading session middleware whose store and token work cost nothing would reach',
    ),
  ];
}

/** The two rows (throughput, commands) of one SessionKit configuration against the baseline. */
function report(
  baseline: Side,
  sessionkit: Side,
  baseCount: CommandCount,
  skCount: CommandCount,
  windowSec: number,
  config: { judged: boolean; label: string },
): BenchResult[] {
  const executedRatio = skCount.executedPerRequest / baseCount.executedPerRequest;
  const clientRatio = skCount.clientPerRequest / baseCount.clientPerRequest;
  const statsRatio = skCount.statsPerRequest / baseCount.statsPerRequest;
  const fmt = (n: number) => n.toFixed(2);
  const setup = `${CONNECTIONS} connections, ${SESSIONS} sessions, ${Math.round(WRITE_SHARE * 100)}% writes`;
  return [
    throughputRow(
      baseline,
      sessionkit,
      `Express + @sessionkit/http + ${config.label}`,
      `requests/s (median of ${sessionkit.rounds.length} alternating ${windowSec} s autocannon windows; ${setup})`,
      config.judged ? 1.5 : undefined,
    ),
    {
      name: `Redis commands per request (SessionKit, ${config.label})`,
      baseline: 'Redis commands per request (express-session + connect-redis)',
      opsPerSec: skCount.executedPerRequest,
      baselineOpsPerSec: baseCount.executedPerRequest,
      ratio: executedRatio,
      ...(config.judged ? { target: '<= 0.5x', met: executedRatio <= 0.5 } : {}),
      notes:
        `values are commands/request (lower is better) executed on this run's keys, counted the way INFO ` +
        `commandstats counts (Lua-internal calls included) but isolated with MONITOR; client round trips ` +
        `${fmt(skCount.clientPerRequest)} vs ${fmt(baseCount.clientPerRequest)} (${fmt(clientRatio)}x); raw global ` +
        `INFO commandstats delta ${fmt(skCount.statsPerRequest)} vs ${fmt(baseCount.statsPerRequest)} (${fmt(statsRatio)}x, ` +
        `includes any other traffic on the shared server)`,
    },
  ];
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as Variant, process.argv[4]!);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await runHttpBench({ quick: process.argv.includes('--quick') }));
}

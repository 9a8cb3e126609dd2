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
 * event loop; the servers are in `frameworks/express.ts`, the shared launcher, load and rows in
 * `lib/http-sides.ts`); all five run at once and are measured in alternating windows. Two numbers per side:
 * - throughput: autocannon requests/s over a fixed window (target >= 1.5x), and SessionKit with the near cache
 *   against the do-nothing lazy middleware (target >= 0.85x, issue 22: the same on every framework, see
 *   `frameworks.ts`);
 * - Redis commands per request (target <= 0.5x): a separate fixed-size phase. INFO commandstats counts
 *   every executed command, including those a Lua script runs, but it is global and the shared test server
 *   carries other traffic; so the reported figure counts the same thing from MONITOR, filtered on this run's
 *   key prefix (which also separates client round trips from script-internal calls). The raw commandstats
 *   delta is kept in the notes.
 *
 * Run alone: `npx tsx bench/src/http.ts [--quick]`.
 */
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import {
  alternate,
  closeSide,
  FLOOR_TARGET,
  type FrameworkLabels,
  frameworkRows,
  load,
  openSide,
  REDIS_URL,
  type Side,
} from './lib/http-sides.js';
import { type BenchResult, printResults } from './lib/measure.js';

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

/** The Express servers' names in the rows. */
const EXPRESS: FrameworkLabels = {
  name: 'Express',
  peer: 'Express + express-session + connect-redis 9 (redis 5)',
  floor: 'only sets req.session',
};

/**
 * Runs the HTTP comparison (needs the Redis from `node services/bin/services.mjs up redis`). The five servers
 * run at once in child processes and are measured in alternating windows (express-session, SessionKit,
 * SessionKit with the near cache, Express alone, the lazy floor), so a load spike on the machine hits every
 * side; each reported ratio is the median of the per-round ratios.
 */
export async function runHttpBench(opts: { quick: boolean }): Promise<BenchResult[]> {
  const rounds = opts.quick ? 3 : 5;
  const windowSec = opts.quick ? 3 : 8;
  const sides: Side[] = [];
  try {
    for (const variant of ['peer', 'sessionkit', 'sessionkit-near', 'bare', 'lazy-floor'] as const) {
      sides.push(await openSide('express', variant));
    }
    await alternate(sides, rounds, windowSec);
    const amount = opts.quick ? 2000 : 5000;
    const counts: CommandCount[] = [];
    // The two ceilings make no Redis calls: nothing to count.
    for (const side of sides.slice(0, 3))
      counts.push(await countCommands(side.port, side.cookies, side.prefix, amount));
    const [peer, sessionkit, near, bare, floor] = sides as [Side, Side, Side, Side, Side];
    const [baseCount, plainCount, nearCount] = counts as [CommandCount, CommandCount, CommandCount];
    const rows = frameworkRows(
      EXPRESS,
      { peer, sessionkit, 'sessionkit-near': near, bare, 'lazy-floor': floor },
      windowSec,
      { peer: 1.5, floor: FLOOR_TARGET },
    );
    return [
      rows.near,
      commandsRow(baseCount, nearCount, { judged: true, label: 'RedisSessionStore with nearCache' }),
      rows.plain,
      commandsRow(baseCount, plainCount, { judged: false, label: 'RedisSessionStore (defaults, no near cache)' }),
      rows.bare,
      rows.floor,
      rows.nearVsFloor,
    ];
  } finally {
    for (const side of sides) await closeSide(side);
  }
}

/** The Redis commands row of one SessionKit configuration against express-session's. */
function commandsRow(
  baseCount: CommandCount,
  skCount: CommandCount,
  config: { judged: boolean; label: string },
): BenchResult {
  const executedRatio = skCount.executedPerRequest / baseCount.executedPerRequest;
  const clientRatio = skCount.clientPerRequest / baseCount.clientPerRequest;
  const statsRatio = skCount.statsPerRequest / baseCount.statsPerRequest;
  const fmt = (n: number) => n.toFixed(2);
  return {
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
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printResults(await runHttpBench({ quick: process.argv.includes('--quick') }));
}

// Orchestration shared by every subcommand: which servers, start (reusing healthy ones), health waits, stop.
import { cassandra, cassandraCluster, cassandraCommitlog } from './cassandra.mjs';
import { dynalite } from './dynalite.mjs';
import { hazelcast } from './hazelcast.mjs';
import { ensureApt, ensureMaven } from './install.mjs';
import { memcachedGroup } from './memcached.mjs';
import { tcpOpen } from './net.mjs';
import { livePid, rssKiB, sleep, spawnDetached, stopServer, tailLog } from './process.mjs';
import { redis, redisCluster, redisSentinel } from './redis.mjs';

/** Every group, slowest first so that Cassandra is spawned before anything else. */
const GROUPS = [
  cassandra,
  cassandraCluster,
  cassandraCommitlog,
  hazelcast,
  redis,
  redisCluster,
  redisSentinel,
  memcachedGroup,
  dynalite,
];
/**
 * Groups a bare `up` leaves out (started only by name): the benchmark's commit-log nodes, which the bench starts
 * and stops itself. The 2-node Cassandra cluster is part of the default set: the consistency tests (issue 24) run
 * in every `npm test`; `SESSIONKIT_SERVICES` leaves it out like any other group.
 */
const BY_NAME_ONLY = new Set(['cassandra-commitlog']);
const inDefaultUp = (group) => !BY_NAME_ONLY.has(group.name);
const GROUP_HEALTH_TIMEOUT_MS = 60_000;

/** A failure that names the server whose log explains it. */
export class ServerError extends Error {
  constructor(server, message, { withLog = true } = {}) {
    super(`${server}: ${message}`);
    this.server = server;
    this.withLog = withLog; // false when the server never ran, so its log is an older run's
  }
}

/**
 * Resolves group or server names to { group, servers } selections. No names means the default set:
 * SESSIONKIT_SERVICES if set, else every group but the commit-log nodes; for stop and status, every group.
 */
export function select(names, { forUp = false } = {}) {
  let wanted = names;
  if (wanted.length === 0 && forUp && process.env.SESSIONKIT_SERVICES) {
    wanted = process.env.SESSIONKIT_SERVICES.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
  }
  if (wanted.length === 0) {
    return GROUPS.filter((g) => !forUp || inDefaultUp(g)).map((g) => ({ group: g, servers: g.servers }));
  }
  const picked = new Map();
  for (const name of wanted) {
    const group = GROUPS.find((g) => g.name === name || g.servers.some((s) => s.name === name));
    if (!group) throw new Error(`unknown server "${name}"; known: ${knownNames().join(', ')}`);
    const servers = group.name === name ? group.servers : group.servers.filter((s) => s.name === name);
    picked.set(group, [...new Set([...(picked.get(group) ?? []), ...servers])]);
  }
  return GROUPS.filter((g) => picked.has(g)).map((g) => ({ group: g, servers: picked.get(g) }));
}

export const knownNames = () =>
  GROUPS.flatMap((g) => [g.name, ...g.servers.map((s) => s.name).filter((n) => n !== g.name)]);

async function probe(check) {
  try {
    return await check();
  } catch (err) {
    return `${err.message}`;
  }
}

/** Polls `check` (true = done, anything else = reason) until it passes; fails early when `alive()` turns false. */
async function waitUntil(check, { timeoutMs, alive = () => true, what }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    last = await probe(check);
    if (last === true) return;
    if (!alive()) throw new ServerError(what, 'exited during start-up');
    if (Date.now() > deadline) {
      throw new ServerError(
        what,
        `not healthy after ${timeoutMs / 1000}s${typeof last === 'string' ? ` (${last})` : ''}`,
      );
    }
    await sleep(delay);
  }
}

async function ensureInstalled(group) {
  if (group.install.includes('apt')) await ensureApt();
  if (group.install.includes('maven')) await ensureMaven();
}

/** Starts one server unless it already runs; resolves once healthy with { state, ms }. */
async function startServer(server) {
  const t0 = Date.now();
  if (livePid(server.name) === undefined) {
    if (await tcpOpen(server.host, server.port)) {
      throw new ServerError(
        server.name,
        `port ${server.host}:${server.port} is in use by a process not started by services.mjs`,
        {
          withLog: false,
        },
      );
    }
    spawnDetached(server.name, await server.command());
    await waitUntil(server.healthy, {
      timeoutMs: server.startTimeoutMs,
      alive: () => livePid(server.name) !== undefined,
      what: server.name,
    });
    return { state: 'started', ms: Date.now() - t0 };
  }
  await waitUntil(server.healthy, {
    timeoutMs: server.startTimeoutMs,
    alive: () => livePid(server.name) !== undefined,
    what: server.name,
  });
  return { state: 'reused', ms: Date.now() - t0 };
}

/**
 * Brings up the selected servers of one group, then checks the group as a whole (cluster formed, sentinels
 * agree, members see each other) once every member runs. A group with no member running starts fresh.
 */
async function upGroup({ group, servers }, results, failures) {
  await ensureInstalled(group);
  if (group.servers.every((s) => livePid(s.name) === undefined)) group.reset?.();
  const one = async (s) => results.set(s.name, await startServer(s));
  if (group.sequential) {
    for (const s of servers) await one(s); // each node needs the previous one: stop at the first failure
  } else {
    const failed = (await Promise.allSettled(servers.map(one))).filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      failures.push(...failed.map((r) => r.reason));
      return;
    }
  }
  const running = group.servers.filter((s) => livePid(s.name) !== undefined);
  if (running.length < group.servers.length) return; // partial group on purpose (e.g. a fault test)
  try {
    await group.afterStart?.();
  } catch (err) {
    throw new ServerError(group.name, err.message);
  }
  if (group.healthy) {
    await waitUntil(() => group.healthy(running), { timeoutMs: GROUP_HEALTH_TIMEOUT_MS, what: group.name });
  }
}

/** `up`: start what is not running, in parallel; returns the results and the failures (never throws). */
export async function up(names) {
  const selection = select(names, { forUp: true });
  const results = new Map();
  const failures = [];
  await Promise.all(
    selection.map((sel) =>
      upGroup(sel, results, failures).catch((err) => {
        failures.push(err);
      }),
    ),
  );
  return { selection, results, failures };
}

/** Stops (SIGTERM, then SIGKILL) or kills (SIGKILL) the named servers; names default to everything. */
export async function stop(names, { signal = 'SIGTERM' } = {}) {
  const servers = select(names).flatMap((s) => s.servers);
  const stopped = await Promise.all(servers.map((s) => stopServer(s.name, { signal })));
  return servers.filter((_, i) => stopped[i]).map((s) => s.name);
}

/** One row per server: name, endpoint, pid, state (up / unhealthy / down / foreign), RSS. */
export async function status(names = []) {
  const servers = select(names).flatMap((s) => s.servers);
  return Promise.all(
    servers.map(async (s) => {
      const pid = livePid(s.name);
      let state;
      if (pid !== undefined) state = (await probe(s.healthy)) === true ? 'up' : 'unhealthy';
      else state = (await tcpOpen(s.host, s.port)) ? 'foreign' : 'down';
      const rss = pid === undefined ? undefined : rssKiB(pid);
      return {
        name: s.name,
        endpoint: s.endpoint,
        pid,
        state,
        rssMiB: rss === undefined ? undefined : Math.round(rss / 1024),
      };
    }),
  );
}

/** Prints the log tail of the server a failure names (all of a group's servers for a group failure). */
export function explain(err) {
  process.stderr.write(`\n[services] FAILED ${err.message}\n`);
  if (!err.withLog) return; // plain errors (install steps) carry their own output
  const group = GROUPS.find((g) => g.name === err.server);
  const names = group ? group.servers.map((s) => s.name) : [err.server];
  for (const name of names) {
    process.stderr.write(`----- last lines of services/.data/log/${name}.log -----\n${tailLog(name)}\n`);
  }
}

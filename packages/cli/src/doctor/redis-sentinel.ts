/**
 * `sessionkit doctor redis+sentinel://...`: what the Sentinels know (the master by name, agreement on its
 * address, quorum reachable with `SENTINEL CKQUORUM`, replicas they could promote), then the master's
 * replication and the node checks on the master and every replica (a replica becomes the master at the next
 * failover, with its own settings).
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';
import { connectRedis, type RedisServer, serverLabel } from './redis-connection.js';
import { readReplication, replicationCheck } from './redis-replication.js';
import { checkRedisServers } from './redis-servers.js';

/** What one Sentinel answered (or why it did not). */
export type SentinelView =
  | {
      sentinel: string;
      master: Map<string, string>;
      /** `SENTINEL CKQUORUM`: `ok` with its reply, or the NOQUORUM error text. */
      quorum: { ok: boolean; text: string };
      replicas: Array<Map<string, string>>;
    }
  | { sentinel: string; unknownMaster: string }
  | { sentinel: string; unreachable: string };

/** Turns a flat `[field, value, field, value, ...]` reply into a map. */
function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (Array.isArray(reply))
    for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

/** Asks one Sentinel about `masterName`. */
export async function readSentinel(server: RedisServer, masterName: string, timeoutMs: number): Promise<SentinelView> {
  const sentinel = serverLabel(server);
  let client: Awaited<ReturnType<typeof connectRedis>>;
  try {
    client = await connectRedis(server, timeoutMs);
  } catch (error) {
    return { sentinel, unreachable: errorMessage(error) };
  }
  try {
    let master: Map<string, string>;
    try {
      master = pairs(await client.call('SENTINEL', 'MASTER', masterName));
    } catch (error) {
      const message = errorMessage(error);
      // "ERR No such master with that name"; anything else (NOAUTH, ...) means this Sentinel cannot be asked.
      return /no such master/i.test(message)
        ? { sentinel, unknownMaster: message }
        : { sentinel, unreachable: message };
    }
    let quorum: { ok: boolean; text: string };
    try {
      quorum = { ok: true, text: String(await client.call('SENTINEL', 'CKQUORUM', masterName)) };
    } catch (error) {
      quorum = { ok: false, text: errorMessage(error) }; // NOQUORUM ... is an error reply
    }
    const replicas = ((await client.call('SENTINEL', 'REPLICAS', masterName)) as unknown[]).map(pairs);
    return { sentinel, master, quorum, replicas };
  } finally {
    client.disconnect();
  }
}

const addressOf = (m: Map<string, string>) => `${m.get('ip') ?? '?'}:${m.get('port') ?? '?'}`;
const flagsOf = (m: Map<string, string>) => (m.get('flags') ?? '').split(',');
const replicaHealthy = (r: Map<string, string>) =>
  !flagsOf(r).some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected') &&
  r.get('master-link-status') !== 'err' &&
  r.get('slave-priority') !== '0' &&
  r.get('replica-priority') !== '0';

type Answered = Extract<SentinelView, { master: Map<string, string> }>;

/** `redis-sentinel.sentinels`: reachable, all knowing the master, agreeing on where it is, at least 3 of them. */
export function sentinelsCheck(views: readonly SentinelView[], masterName: string): CheckResult {
  const id = 'redis-sentinel.sentinels';
  const answered = views.filter((v): v is Answered => 'master' in v);
  const unknown = views.filter((v) => 'unknownMaster' in v).map((v) => v.sentinel);
  const unreachable = views.filter((v) => 'unreachable' in v).map((v) => v.sentinel);
  if (unknown.length > 0) {
    return fail(
      id,
      `${unknown.join(', ')} do not monitor a master named "${masterName}".`,
      `check the master name in the URL, or SENTINEL MONITOR ${masterName} <ip> <port> <quorum> on those Sentinels`,
    );
  }
  const addresses = new Set(answered.map((v) => addressOf(v.master)));
  if (addresses.size > 1) {
    return fail(
      id,
      `the Sentinels disagree on the master of "${masterName}": ${answered.map((v) => `${v.sentinel} says ${addressOf(v.master)}`).join(', ')}.`,
      'check that every Sentinel can reach the others (same network, announce-ip/port) and wait for them to converge',
    );
  }
  const known = Math.max(0, ...answered.map((v) => Number(v.master.get('num-other-sentinels') ?? 0) + 1));
  const figures = `${answered.length} of ${views.length} listed Sentinels answered; they know ${known} Sentinels, master ${[...addresses][0]}`;
  if (unreachable.length > 0) {
    return warn(
      id,
      `${figures}; unreachable: ${unreachable.join(', ')}.`,
      'bring those Sentinels back or remove them from the URL',
    );
  }
  if (known < 3) {
    return warn(
      id,
      `${figures}: with fewer than 3 Sentinels, losing one (or the machine it shares with the master) can leave no majority to authorize a failover.`,
      'run 3 (or 5) Sentinels on separate machines',
    );
  }
  return pass(id, `${figures}.`);
}

/** `redis-sentinel.quorum`: CKQUORUM, and whether the Sentinels consider the master down. */
export function quorumCheck(views: readonly SentinelView[]): CheckResult {
  const id = 'redis-sentinel.quorum';
  const answered = views.filter((v): v is Answered => 'master' in v);
  if (answered.length === 0) {
    return fail(id, 'no Sentinel knows the master.', 'see redis-sentinel.sentinels');
  }
  const down = answered.filter((v) => flagsOf(v.master).some((f) => f === 's_down' || f === 'o_down'));
  if (down.length > 0) {
    return fail(
      id,
      `the master is flagged down by ${down.map((v) => `${v.sentinel} (${v.master.get('flags')})`).join(', ')}.`,
      'check the master; if it does not come back, a failover needs a healthy replica and a quorum',
    );
  }
  const refused = answered.filter((v) => !v.quorum.ok);
  const quorum = answered[0]!.master.get('quorum') ?? '?';
  if (refused.length > 0) {
    return fail(
      id,
      `quorum ${quorum}: ${refused.map((v) => `${v.sentinel}: ${v.quorum.text}`).join('; ')}: a failover could not be authorized.`,
      'bring enough Sentinels back (a majority must be reachable), or lower the quorum with SENTINEL SET <name> quorum <n>',
    );
  }
  return pass(id, `quorum ${quorum}; ${answered[0]!.quorum.text}.`);
}

/** `redis-sentinel.replicas`: replicas the Sentinels could promote. */
export function sentinelReplicasCheck(views: readonly SentinelView[]): CheckResult {
  const id = 'redis-sentinel.replicas';
  const view = views.find((v): v is Answered => 'master' in v);
  if (!view) return fail(id, 'no Sentinel knows the master.', 'see redis-sentinel.sentinels');
  const healthy = view.replicas.filter(replicaHealthy);
  const list = view.replicas.map((r) => `${addressOf(r)} (${r.get('flags')})`).join(', ') || 'none';
  if (healthy.length === 0) {
    return warn(
      id,
      `no replica Sentinel could promote (replicas: ${list}): a crash of the master stops logins and session saves until it returns.`,
      'add a replica (replicaof <master-ip> <master-port>) with replica-priority > 0',
    );
  }
  return pass(id, `${healthy.length} replica(s) Sentinel can promote: ${list}.`);
}

/** Options of {@link doctorRedisSentinel}. */
export interface SentinelTarget {
  sentinels: RedisServer[];
  masterName: string;
  /** Credentials of the master and replicas (the Sentinels' own are in `sentinels`). */
  username?: string;
  password?: string;
  tls?: boolean;
}

/**
 * Runs the Sentinel checks.
 * @throws {StoreUnavailableError} when no Sentinel can be reached.
 */
export async function doctorRedisSentinel(target: SentinelTarget, timeoutMs: number): Promise<CheckResult[]> {
  const views = await Promise.all(target.sentinels.map((s) => readSentinel(s, target.masterName, timeoutMs)));
  if (views.every((v) => 'unreachable' in v)) {
    throw new StoreUnavailableError(
      `no Sentinel answered: ${views.map((v) => `${v.sentinel}: ${'unreachable' in v ? v.unreachable : ''}`).join('; ')}`,
      { store: 'redis', operation: 'doctor' },
    );
  }
  const results = [sentinelsCheck(views, target.masterName), quorumCheck(views), sentinelReplicasCheck(views)];
  const view = views.find((v): v is Answered => 'master' in v);
  if (!view) return results;
  const data = (m: Map<string, string>): RedisServer => ({
    host: m.get('ip') ?? '',
    port: Number(m.get('port')),
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: true } : {}),
  });
  const master = data(view.master);
  try {
    const client = await connectRedis(master, timeoutMs);
    try {
      results.push(replicationCheck(await readReplication(client), true));
    } finally {
      client.disconnect();
    }
  } catch (error) {
    results.push(
      fail(
        'redis.replication',
        `cannot reach the master ${serverLabel(master)} the Sentinels announce: ${errorMessage(error)}.`,
        'make the announced address reachable from the clients (sentinel announce-ip / replica-announce-ip)',
      ),
    );
  }
  results.push(...(await checkRedisServers([master, ...view.replicas.map(data)], timeoutMs, 'announced by Sentinel')));
  return results;
}

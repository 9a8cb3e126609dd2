/**
 * `redis.replication` for a standalone or Sentinel-managed server: is this the master, and how many replicas
 * follow it (INFO replication).
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { type CheckResult, fail, pass, warn } from './check.js';
import { parseInfoPairs, readInfo } from './redis-connection.js';

/** Replica lag (seconds since its last acknowledgement) above which the check warns. */
export const REPLICA_LAG_WARN_SECONDS = 10;

/** One replica as its master reports it. */
export interface ReplicaState {
  address: string;
  state: string;
  lagSeconds: number;
}

/** What INFO replication says. */
export type ReplicationFacts =
  | { role: 'master'; replicas: ReplicaState[] }
  | { role: 'replica'; master: string; linkUp: boolean };

/** Reads INFO replication. */
export async function readReplication(client: Redis): Promise<ReplicationFacts> {
  const info = await readInfo(client, 'replication');
  if (info.get('role') === 'slave') {
    return {
      role: 'replica',
      master: `${info.get('master_host') ?? '?'}:${info.get('master_port') ?? '?'}`,
      linkUp: info.get('master_link_status') === 'up',
    };
  }
  const replicas: ReplicaState[] = [];
  for (const [field, value] of info) {
    if (!/^slave\d+$/.test(field)) continue;
    const p = parseInfoPairs(value);
    replicas.push({
      address: `${p.get('ip') ?? '?'}:${p.get('port') ?? '?'}`,
      state: p.get('state') ?? 'unknown',
      lagSeconds: Number(p.get('lag') ?? 0),
    });
  }
  return { role: 'master', replicas };
}

/**
 * The verdict. `managedBySentinel` changes the advice for a master without replicas (Sentinel then has
 * nothing to promote).
 */
export function replicationCheck(f: ReplicationFacts, managedBySentinel: boolean): CheckResult {
  const id = 'redis.replication';
  if (f.role === 'replica') {
    return fail(
      id,
      `this server is a replica of ${f.master} (link ${f.linkUp ? 'up' : 'down'}): it refuses writes (READONLY), so no session can be saved through it.`,
      'point the store URL at the master, or use redis+sentinel:// so the client follows failovers',
    );
  }
  if (f.replicas.length === 0) {
    return warn(
      id,
      managedBySentinel
        ? 'the master has no replica: Sentinel has nothing to promote, so a crash of the master stops every login and session save until it is back.'
        : 'no replica: a crash of this server stops every login and session save until it is back (and loses every session unless it persists).',
      managedBySentinel
        ? 'add a replica (replicaof <master> <port>)'
        : 'add a replica and Sentinel (redis+sentinel://), or run Redis Cluster with replicas',
    );
  }
  const bad = f.replicas.filter((r) => r.state !== 'online' || r.lagSeconds > REPLICA_LAG_WARN_SECONDS);
  const list = f.replicas.map((r) => `${r.address} ${r.state}, lag ${r.lagSeconds} s`).join('; ');
  if (bad.length > 0) {
    return warn(
      id,
      `${f.replicas.length} replica(s), ${bad.length} not in sync (${list}): a failover now would lose the writes they miss.`,
      "check the replicas' logs and master_link_status; a replica stuck in sync may need more client-output-buffer-limit replica",
    );
  }
  return pass(id, `${f.replicas.length} replica(s) online (${list}).`);
}

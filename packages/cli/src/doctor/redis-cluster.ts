/**
 * `sessionkit doctor redis+cluster://...`: the cluster's own health (CLUSTER INFO: state and slot coverage;
 * CLUSTER NODES: a healthy replica behind every master), then the node checks on every node — replicas
 * included, since a replica becomes a master at the next failover and brings its own settings along.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import type { Redis } from 'ioredis';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';
import { connectRedis, parseInfo, type RedisServer, serverLabel } from './redis-connection.js';
import { checkRedisServers } from './redis-servers.js';

/** Redis Cluster's fixed number of hash slots. */
const SLOTS = 16384;

/** One line of CLUSTER NODES. */
export interface ClusterNode {
  id: string;
  host: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  linkConnected: boolean;
  slotCount: number;
}

/** Parses CLUSTER NODES (`id ip:port@cport[,hostname] flags master ping pong epoch link slot...`). */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const address = fields[1]!.split('@')[0]!;
    const colon = address.lastIndexOf(':');
    let slotCount = 0;
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue; // a slot being migrated/imported, counted at its owner
      const [from, to] = range.split('-').map(Number);
      slotCount += to === undefined ? 1 : to - from! + 1;
    }
    nodes.push({
      id: fields[0]!,
      host: address.slice(0, colon).replace(/^\[|\]$/g, ''),
      port: Number(address.slice(colon + 1)),
      flags: fields[2]!.split(','),
      masterId: fields[3] === '-' ? undefined : fields[3],
      linkConnected: fields[7] === 'connected',
      slotCount,
    });
  }
  return nodes;
}

const failed = (n: ClusterNode) => n.flags.includes('fail') || n.flags.includes('noaddr');
const label = (n: ClusterNode) => serverLabel(n);

/** `redis-cluster.state` from CLUSTER INFO. */
export function clusterStateCheck(info: Map<string, string>, nodes: readonly ClusterNode[]): CheckResult {
  const id = 'redis-cluster.state';
  const state = info.get('cluster_state') ?? 'unknown';
  const assigned = Number(info.get('cluster_slots_assigned') ?? 0);
  const ok = Number(info.get('cluster_slots_ok') ?? 0);
  const pfail = Number(info.get('cluster_slots_pfail') ?? 0);
  const slotsFail = Number(info.get('cluster_slots_fail') ?? 0);
  const down = nodes.filter(failed).map(label);
  const suspect = nodes.filter((n) => n.flags.includes('fail?')).map(label);
  const figures = `cluster_state:${state}, ${assigned}/${SLOTS} slots assigned, ${ok} ok, ${pfail} pfail, ${slotsFail} fail, ${nodes.length} nodes`;
  if (state !== 'ok' || assigned < SLOTS || slotsFail > 0) {
    return fail(
      id,
      `${figures}${down.length ? `; failed: ${down.join(', ')}` : ''}: sessions whose keys hash to uncovered slots cannot be read or written.`,
      assigned < SLOTS
        ? 'assign the missing slots (redis-cli --cluster fix <node>) or bring their master back'
        : 'bring the failed masters back or let their replicas take over (CLUSTER FAILOVER on a replica)',
    );
  }
  if (pfail > 0 || suspect.length > 0 || down.length > 0) {
    return warn(
      id,
      `${figures}; suspected or failed nodes: ${[...suspect, ...down].join(', ')}.`,
      'check those nodes; the cluster fails their slots over once a majority of masters agrees',
    );
  }
  return pass(id, `${figures}.`);
}

/** `redis-cluster.replicas`: every master that owns slots has a connected, healthy replica. */
export function clusterReplicasCheck(nodes: readonly ClusterNode[]): CheckResult {
  const id = 'redis-cluster.replicas';
  const masters = nodes.filter((n) => n.flags.includes('master') && n.slotCount > 0 && !failed(n));
  const alone = masters.filter(
    (m) => !nodes.some((r) => r.masterId === m.id && r.flags.includes('slave') && !failed(r) && r.linkConnected),
  );
  if (masters.length === 0) {
    return fail(id, 'no healthy master owns slots.', 'redis-cli --cluster check <node> and fix the cluster');
  }
  if (alone.length > 0) {
    return warn(
      id,
      `${alone.length} of ${masters.length} masters have no healthy replica (${alone.map(label).join(', ')}): a crash of one of them makes its share of sessions unavailable and loses them.`,
      'add a replica per master (redis-cli --cluster add-node <new> <existing> --cluster-slave)',
    );
  }
  return pass(id, `each of the ${masters.length} masters has at least one connected replica.`);
}

/**
 * Runs the Cluster checks. The first reachable startup node describes the cluster.
 * @throws {StoreUnavailableError} when no startup node can be reached.
 */
export async function doctorRedisCluster(startup: readonly RedisServer[], timeoutMs: number): Promise<CheckResult[]> {
  let client: Redis | undefined;
  const errors: string[] = [];
  for (const node of startup) {
    try {
      client = await connectRedis(node, timeoutMs);
      break;
    } catch (error) {
      errors.push(errorMessage(error));
    }
  }
  if (!client) {
    throw new StoreUnavailableError(`no Redis Cluster startup node answered: ${errors.join('; ')}`, {
      store: 'redis',
      operation: 'doctor',
    });
  }
  let info: Map<string, string>;
  let nodes: ClusterNode[];
  try {
    info = parseInfo((await client.call('CLUSTER', 'INFO')) as string);
    nodes = parseClusterNodes((await client.call('CLUSTER', 'NODES')) as string);
  } catch (error) {
    // e.g. "ERR This instance has cluster support disabled": a standalone server given as a cluster.
    return [
      fail(
        'redis-cluster.state',
        `CLUSTER INFO failed on ${client.options.host}:${client.options.port}: ${errorMessage(error)}.`,
        'use redis:// for a standalone server, or give the nodes of a Redis Cluster',
      ),
    ];
  } finally {
    client.disconnect();
  }
  const auth = startup[0]!;
  const reachable = nodes
    .filter((n) => !failed(n) && n.host !== '')
    .map((n): RedisServer => ({ ...auth, host: n.host, port: n.port }));
  return [
    clusterStateCheck(info, nodes),
    clusterReplicasCheck(nodes),
    ...(await checkRedisServers(reachable, timeoutMs, 'a node listed by CLUSTER NODES')),
  ];
}

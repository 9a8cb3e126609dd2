/**
 * The walk behind {@link RedisSessionStore.scan}, the admin enumeration: `SCAN cursor MATCH <prefix>* COUNT n
 * TYPE string` on the master (standalone, Sentinel), or on each Cluster master in turn. Never `KEYS`: each
 * call is one bounded `SCAN` step on one node. `TYPE string` leaves out the user-index ZSETs, which live
 * under the key prefix by default.
 *
 * The cursor is `<slot>:<SCAN cursor>`. On Cluster, `slot` is the lowest hash slot of the master being walked
 * (its masters are walked in the order of their lowest slots), so the cursor names a node by what it serves
 * rather than by its address, and a failover to its replica keeps the walk on the same slots. A standalone
 * server is the one node, slot 0. A node is done when `SCAN` returns cursor 0; the walk goes on with the
 * master whose lowest slot is the next higher one, so it always ends, even across a resharding (which may
 * repeat or miss records, as may a failover: the replica's hash table is not the master's).
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';
import type { Redis } from 'ioredis';
import { Cluster } from 'ioredis';

/** Hash slots of Redis Cluster. */
const SLOTS = 16384;
const CURSOR = /^(\d{1,5}):(\d{1,20})$/;

/** One step of a walk: the keys one `SCAN` call returned, and where the walk goes on. */
export interface ScanStep {
  /** Keys under the prefix holding strings (not yet read: a key may be gone, or expired, by then). */
  keys: string[];
  /** The cursor of the next step, `undefined` once every node is done. */
  cursor: string | undefined;
}

/** The `MATCH` pattern of every key under `prefix`, glob characters of the prefix escaped. */
export function matchPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/** Cluster masters in the order of the lowest slot each serves, with that slot. */
function masters(cluster: Cluster): { slot: number; node: Redis }[] {
  const byAddress = new Map(cluster.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const seen = new Set<string>();
  const ordered: { slot: number; node: Redis }[] = [];
  cluster.slots.forEach((owners, slot) => {
    const address = owners?.[0];
    if (address === undefined || seen.has(address)) return;
    seen.add(address);
    const node = byAddress.get(address);
    if (node) ordered.push({ slot, node });
  });
  return ordered;
}

/**
 * Runs one step of the walk of the keys under `prefix` from `cursor` (`undefined`: from the start), asking
 * `SCAN` for about `count` keys. Throws {@link ConfigurationError} (tagged `store`) for a malformed cursor.
 */
export async function scanStep(
  client: Redis | Cluster,
  prefix: string,
  cursor: string | undefined,
  count: number,
  store: string,
): Promise<ScanStep> {
  let slot = 0;
  let position = '0';
  if (cursor !== undefined) {
    const parts = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
    if (!parts || Number(parts[1]) >= SLOTS)
      throw new ConfigurationError('malformed scan cursor', { store, operation: 'scan' });
    slot = Number(parts[1]);
    position = parts[2]!;
  }
  let node: Redis | undefined;
  let next: number | undefined;
  if (client instanceof Cluster) {
    const nodes = masters(client);
    if (cursor === undefined) slot = nodes[0]?.slot ?? 0;
    const address = client.slots[slot]?.[0];
    node = nodes.find((n) => `${n.node.options.host}:${n.node.options.port}` === address)?.node;
    next = nodes.find((n) => n.slot > slot)?.slot;
    // No master serves the slot any more (the cluster is reconfiguring): go on with the next one.
    if (node === undefined) return { keys: [], cursor: next === undefined ? undefined : `${next}:0` };
  } else {
    node = client;
  }
  const [after, keys] = await node.scan(position, 'MATCH', matchPattern(prefix), 'COUNT', count, 'TYPE', 'string');
  if (after !== '0') return { keys, cursor: `${slot}:${after}` };
  return { keys, cursor: next === undefined ? undefined : `${next}:0` };
}

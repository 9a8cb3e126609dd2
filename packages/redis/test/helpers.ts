/** Store factories for the three topologies the adapter supports, against the real servers from services/. */
import { endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import type { RedisSessionStoreOptions } from '../src/index.js';
import { RedisSessionStore } from '../src/index.js';

/** The topologies under test. */
export type Topology = 'standalone' | 'cluster' | 'sentinel';

/** Connection options of each topology (the store creates and owns the client). */
export function connectionFor(topology: Topology): Pick<RedisSessionStoreOptions, 'connection' | 'cluster'> {
  switch (topology) {
    case 'standalone': {
      const url = new URL(endpoints.redis.url);
      return { connection: { host: url.hostname, port: Number(url.port || 6379) } };
    }
    case 'cluster':
      return { cluster: { nodes: endpoints.redisCluster.nodes } };
    case 'sentinel':
      return { connection: { sentinels: endpoints.redisSentinel.sentinels, name: endpoints.redisSentinel.masterName } };
  }
}

/** Opens a store on `topology` with the given prefix and extra options. */
export function openStore(
  topology: Topology,
  keyPrefix: string,
  extra: Omit<RedisSessionStoreOptions, 'connection' | 'cluster' | 'client'> = {},
): RedisSessionStore {
  return new RedisSessionStore({ ...connectionFor(topology), keyPrefix, ...extra });
}

/**
 * Opens a store with the near cache on and waits (up to 5 s) until its invalidation feed is live, so the
 * cache is really in use from the first call.
 */
export async function openNearCachedStore(
  topology: Topology,
  keyPrefix: string,
  extra: Omit<RedisSessionStoreOptions, 'connection' | 'cluster' | 'client'> = {},
): Promise<RedisSessionStore> {
  const store = openStore(topology, keyPrefix, { nearCache: true, ...extra });
  await until(() => store.nearCacheStats.live, 5_000, 'the near cache invalidation feed to go live');
  return store;
}

/** Polls `condition` every 5 ms until it holds; throws after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Reads `k` until a read is answered from the near cache. The first fill can be discarded on purpose: Redis's
 * report of the write that created `k` may still be on its way, and a read it overtakes must not be cached.
 */
export async function fillCache(store: RedisSessionStore, k: string): Promise<void> {
  await until(
    async () => {
      const hits = store.nearCacheStats.hits;
      await store.get(k);
      return store.nearCacheStats.hits > hits;
    },
    2_000,
    'a read answered from the near cache',
  );
}

/** A plain client on the standalone server, for raw checks. */
export function rawStandalone(): Redis {
  return new Redis(endpoints.redis.url, { lazyConnect: false });
}

/** A session record for tests. */
export function session(overrides: { data?: Uint8Array; version?: number; expiresAt?: number; userId?: string } = {}): {
  data: Uint8Array;
  version: number;
  expiresAt: number;
  userId?: string;
} {
  const s: { data: Uint8Array; version: number; expiresAt: number; userId?: string } = {
    data: overrides.data ?? new Uint8Array([1, 2, 3]),
    version: overrides.version ?? 1,
    expiresAt: overrides.expiresAt ?? Date.now() + 10 * 60_000,
  };
  if (overrides.userId !== undefined) s.userId = overrides.userId;
  return s;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CLUSTER SLOTS' answer: per range `[from, to, master, ...replicas]`, each node `[host, port, id]`. */
export type ClusterSlots = [number, number, ...[string, number, string][]][];

/**
 * Waits until every slot range of the shared Cluster lists a replica in CLUSTER SLOTS, and returns that answer.
 * A node restarted after a failover answers ROLE `slave` at once, but the other nodes keep it out of CLUSTER SLOTS
 * until gossip has cleared its FAIL flag and it has synced, which takes a few seconds; a test that needs a slot's
 * replica (or leaves the cluster to the next test) waits for that instead of reading a transient topology.
 */
export async function untilEverySlotHasReplica(ms = 30_000): Promise<ClusterSlots> {
  const [first] = endpoints.redisCluster.nodes;
  const probe = new Redis({ host: first!.host, port: first!.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  let slots: ClusterSlots = [];
  try {
    await until(
      async () => {
        try {
          slots = (await probe.call('CLUSTER', 'SLOTS')) as ClusterSlots;
        } catch {
          return false; // the probed node is itself still restarting: ask again
        }
        return slots.length > 0 && slots.every((range) => range.length >= 4);
      },
      ms,
      'every Cluster slot range to list a replica',
    );
    return slots;
  } finally {
    probe.disconnect();
  }
}

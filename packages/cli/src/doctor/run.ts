/**
 * Runs the doctor on a parsed store URL: picks the backend's checks (each loaded only when its URL names it,
 * so checking Redis never loads the Cassandra driver), runs both tiers of a tiered store (memcached judged as
 * a cache there), and turns an unreachable backend into a `<backend>.connection` failure line.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import type { LeafStoreSpec, StoreSpec } from '@sessionkit/store-url';
import { type CheckResult, fail, warn, withTarget } from './check.js';
import type { DoctorOptions } from './options.js';

/** The outcome of one run. */
export interface DoctorRun {
  checks: CheckResult[];
  /** Whether some backend (or tier) could not be reached at all. */
  unreachable: boolean;
}

type Role = 'store' | 'cache';

const BACKEND: Record<LeafStoreSpec['kind'], string> = {
  redis: 'redis',
  'redis-cluster': 'redis-cluster',
  'redis-sentinel': 'redis-sentinel',
  memcached: 'memcached',
  cassandra: 'cassandra',
  dynamodb: 'dynamodb',
  hazelcast: 'hazelcast',
};

async function leafChecks(spec: LeafStoreSpec, role: Role, o: DoctorOptions): Promise<CheckResult[]> {
  switch (spec.kind) {
    case 'redis': {
      const { doctorRedis } = await import('./redis.js');
      return doctorRedis(spec, o.timeoutMs);
    }
    case 'redis-cluster': {
      const { doctorRedisCluster } = await import('./redis-cluster.js');
      return doctorRedisCluster(spec.nodes, o.timeoutMs);
    }
    case 'redis-sentinel': {
      const { doctorRedisSentinel } = await import('./redis-sentinel.js');
      // The URL's credentials are the data nodes'; Sentinels are asked without (sentinel requirepass is rare
      // and the store URL has no place for a second password).
      return doctorRedisSentinel(
        { ...spec, sentinels: spec.sentinels.map((s) => ({ ...s, tls: spec.tls })) },
        o.timeoutMs,
      );
    }
    case 'memcached': {
      const { doctorMemcached } = await import('./memcached.js');
      return doctorMemcached(spec.servers, role, o.timeoutMs);
    }
    case 'cassandra': {
      const { doctorCassandra } = await import('./cassandra.js');
      return doctorCassandra(
        {
          contactPoints: spec.contactPoints,
          localDataCenter: spec.localDataCenter,
          keyspace: spec.keyspace,
          table: o.table,
          userTable: o.userTable,
          maxSessionAgeSeconds: o.maxSessionAgeSeconds,
        },
        o.timeoutMs,
      );
    }
    case 'dynamodb': {
      const [{ doctorDynamoDB }, { createStore }, { DynamoDBSessionStore }] = await Promise.all([
        import('./dynamodb.js'),
        import('@sessionkit/store-url'),
        import('@sessionkit/dynamodb'),
      ]);
      // The store's own client: the same endpoint, region and credential rules as the application's store.
      const store = await createStore(spec);
      try {
        if (!(store instanceof DynamoDBSessionStore)) throw new Error('store-url did not create a DynamoDB store');
        return await doctorDynamoDB(store.client, spec.table, o.userIndexName, o.timeoutMs);
      } finally {
        await store.close();
      }
    }
    case 'hazelcast': {
      const { doctorHazelcast } = await import('./hazelcast.js');
      return doctorHazelcast(
        {
          members: spec.members,
          // Hazelcast's own default cluster name, which the adapter also uses when none is given.
          clusterName: spec.clusterName ?? 'dev',
          mapName: o.mapName,
          maxSessionAgeSeconds: o.maxSessionAgeSeconds,
        },
        o.timeoutMs,
      );
    }
  }
}

/** One leaf store (or tier); an unreachable backend becomes one failure line. */
async function checkLeaf(spec: LeafStoreSpec, role: Role, o: DoctorOptions): Promise<DoctorRun> {
  try {
    return { checks: await leafChecks(spec, role, o), unreachable: false };
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    return {
      checks: [
        fail(
          `${BACKEND[spec.kind]}.connection`,
          error.message,
          'check the URL (hosts, ports, names, credentials) and that the servers are up and reachable from here',
        ),
      ],
      unreachable: true,
    };
  }
}

/** Runs every check the spec's backend has. */
export async function runDoctor(spec: StoreSpec, o: DoctorOptions): Promise<DoctorRun> {
  if (spec.kind === 'memory') {
    return {
      checks: [
        warn(
          'memory.store',
          'the embedded MemoryStore: sessions live in this process only, so a restart logs everyone out and several instances do not share sessions.',
          'use a shared store (redis://, cassandra://, ...) for anything but one process',
        ),
      ],
      unreachable: false,
    };
  }
  if (spec.kind !== 'tiered') return checkLeaf(spec, 'store', o);
  const [cache, durable] = await Promise.all([checkLeaf(spec.cache, 'cache', o), checkLeaf(spec.durable, 'store', o)]);
  return {
    checks: [...withTarget(cache.checks, 'cache'), ...withTarget(durable.checks, 'durable')],
    unreachable: cache.unreachable || durable.unreachable,
  };
}

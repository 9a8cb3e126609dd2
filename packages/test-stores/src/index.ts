/**
 * `@sessionkit/test-stores` (private, test-only): one call opens a SessionKit store on the project's real test
 * servers (see `@sessionkit/test-servers`), creating the Cassandra schema or DynamoDB table on first use.
 * Suites that need "any backend" (tiered pairs, the HTTP bridge, benchmarks) share it instead of each
 * repeating the setup of every adapter.
 *
 * @module
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { MemoryStore, type SessionStore } from '@sessionkit/core';
import { createSessionTable, DynamoDBSessionStore } from '@sessionkit/dynamodb';
import { HazelcastSessionStore } from '@sessionkit/hazelcast';
import { MemcachedSessionStore } from '@sessionkit/memcached';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';
import cassandra from 'cassandra-driver';

/** The backends a test can ask for. */
export type TestBackend =
  | 'memory'
  | 'redis'
  | 'redis-cluster'
  | 'redis-sentinel'
  | 'memcached'
  | 'cassandra'
  | 'dynamodb'
  | 'hazelcast';

/** Every {@link TestBackend}, for suites that run on each. */
export const TEST_BACKENDS: readonly TestBackend[] = [
  'memory',
  'redis',
  'redis-cluster',
  'redis-sentinel',
  'memcached',
  'cassandra',
  'dynamodb',
  'hazelcast',
];

/** Cassandra keyspace of the shared test stores (replication 1: the single test node). */
export const TEST_KEYSPACE = 'sessionkit_shared_test';
/** DynamoDB table of the shared test stores. */
export const TEST_TABLE = 'sessionkit_shared_test';
/** Hazelcast map of the shared test stores. */
export const TEST_MAP = 'sessionkit-shared-test';

/** Options for {@link openTestStore}. */
export interface TestStoreOptions {
  /** Key prefix; make it unique per test so suites sharing a server never see each other's keys. */
  prefix: string;
  /** Per-operation deadline. Default 10 s: shared CI machines are slow; fault tests pass their own. */
  operationTimeoutMs?: number;
}

let cassandraSchema: Promise<void> | undefined;
let dynamoTable: Promise<unknown> | undefined;

function ensureCassandraSchema(): Promise<void> {
  cassandraSchema ??= (async () => {
    const { contactPoints, localDataCenter } = endpoints.cassandra;
    const client = new cassandra.Client({ contactPoints, localDataCenter });
    try {
      await createSchema(client, {
        keyspace: TEST_KEYSPACE,
        replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 },
      });
    } finally {
      await client.shutdown();
    }
  })().catch((error: unknown) => {
    cassandraSchema = undefined;
    throw error;
  });
  return cassandraSchema;
}

function dynamoConnection() {
  const { endpoint, region, credentials } = endpoints.dynamodb;
  return { endpoint, region, ...(credentials ? { credentials } : {}) };
}

/** Creates the DynamoDB test table once (again after {@link forgetDynamoTable}). */
export function ensureDynamoTable(): Promise<unknown> {
  dynamoTable ??= (async () => {
    const client = new DynamoDBClient(dynamoConnection());
    try {
      return await createSessionTable(client, { tableName: TEST_TABLE });
    } finally {
      client.destroy();
    }
  })().catch((error: unknown) => {
    dynamoTable = undefined;
    throw error;
  });
  return dynamoTable;
}

/** Forgets that the DynamoDB table exists (dynalite keeps it in memory: a restart loses it). */
export function forgetDynamoTable(): void {
  dynamoTable = undefined;
}

/** Opens a store of the given backend on the test servers. The caller closes it. */
export async function openTestStore(backend: TestBackend, options: TestStoreOptions): Promise<SessionStore> {
  const { prefix, operationTimeoutMs = 10_000 } = options;
  switch (backend) {
    case 'memory':
      return new MemoryStore({ name: `memory ${prefix}` });
    case 'redis': {
      const url = new URL(endpoints.redis.url);
      return new RedisSessionStore({
        connection: { host: url.hostname, port: Number(url.port) },
        keyPrefix: prefix,
        operationTimeoutMs,
      });
    }
    case 'redis-cluster':
      return new RedisSessionStore({
        cluster: { nodes: endpoints.redisCluster.nodes },
        keyPrefix: prefix,
        operationTimeoutMs,
      });
    case 'redis-sentinel': {
      const { sentinels, masterName } = endpoints.redisSentinel;
      return new RedisSessionStore({
        connection: { sentinels, name: masterName },
        keyPrefix: prefix,
        operationTimeoutMs,
      });
    }
    case 'memcached':
      return new MemcachedSessionStore({ servers: endpoints.memcached.servers, keyPrefix: prefix, operationTimeoutMs });
    case 'cassandra': {
      await ensureCassandraSchema();
      const { contactPoints, localDataCenter } = endpoints.cassandra;
      return new CassandraSessionStore({
        contactPoints,
        localDataCenter,
        keyspace: TEST_KEYSPACE,
        keyPrefix: prefix,
        operationTimeoutMs,
      });
    }
    case 'dynamodb':
      await ensureDynamoTable();
      return new DynamoDBSessionStore({
        ...dynamoConnection(),
        tableName: TEST_TABLE,
        keyPrefix: prefix,
        operationTimeoutMs,
      });
    case 'hazelcast': {
      const { members, clusterName } = endpoints.hazelcast;
      const store = new HazelcastSessionStore({
        members,
        clusterName,
        mapName: TEST_MAP,
        keyPrefix: prefix,
        operationTimeoutMs,
        clientConfig: { properties: { 'hazelcast.logging.level': 'ERROR' } },
      });
      try {
        await store.connect();
      } catch (error) {
        await store.close().catch(() => undefined);
        throw error;
      }
      return store;
    }
  }
}

/** Tiered stores on the real test servers (from services/), shared by the suites of this package. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CassandraSessionStore, createSchema } from '@sessionkit/cassandra';
import { RedisSessionStore } from '@sessionkit/redis';
import cassandra from 'cassandra-driver';
import { createSessionTable, DynamoDBSessionStore } from '@sessionkit/dynamodb';
import { MemcachedSessionStore } from '@sessionkit/memcached';
import { endpoints } from '@sessionkit/test-servers';
import { TieredStore, type TieredStoreOptions } from '../src/index.js';

const TABLE = 'sessionkit_tiered_test';
let table: Promise<unknown> | undefined;

/** Forgets that the table exists (dynalite keeps it in memory: a restart loses it). */
export function forgetDynamoTable(): void {
  table = undefined;
}

/** The DynamoDB table behind the durable tier, created once. */
export function ensureDynamoTable(): Promise<unknown> {
  table ??= (async () => {
    const { endpoint, region, credentials } = endpoints.dynamodb;
    const client = new DynamoDBClient({ endpoint, region, ...(credentials ? { credentials } : {}) });
    try {
      return await createSessionTable(client, { tableName: TABLE });
    } finally {
      client.destroy();
    }
  })();
  return table;
}

/** Memcached (all 3 servers unless told) in front of DynamoDB (dynalite). */
export async function memcachedOverDynamo(
  prefix: string,
  options: { operationTimeoutMs?: number; cacheServers?: string[] } & Partial<TieredStoreOptions> = {},
): Promise<TieredStore> {
  const { operationTimeoutMs = 10_000, cacheServers = endpoints.memcached.servers, ...tiered } = options;
  await ensureDynamoTable();
  const { endpoint, region, credentials } = endpoints.dynamodb;
  return new TieredStore({
    name: `tiered(memcached+dynamodb) ${prefix}`,
    ...tiered,
    cache: new MemcachedSessionStore({ servers: cacheServers, prefix, operationTimeoutMs: Math.min(operationTimeoutMs, 2_000) }),
    durable: new DynamoDBSessionStore({
      endpoint,
      region,
      ...(credentials ? { credentials } : {}),
      tableName: TABLE,
      prefix,
      operationTimeoutMs,
    }),
  });
}


const KEYSPACE = 'sessionkit_tiered_test';
let schema: Promise<void> | undefined;

/** The Cassandra keyspace and tables behind the durable tier, created once (replication 1: one node). */
function ensureCassandraSchema(): Promise<void> {
  schema ??= (async () => {
    const { contactPoints, localDataCenter } = endpoints.cassandra;
    const client = new cassandra.Client({ contactPoints, localDataCenter });
    try {
      await createSchema(client, { keyspace: KEYSPACE, replication: { class: 'NetworkTopologyStrategy', [localDataCenter]: 1 } });
    } finally {
      await client.shutdown();
    }
  })();
  return schema;
}

/** Redis (standalone) in front of Cassandra (single node). */
export async function redisOverCassandra(prefix: string, options: Partial<TieredStoreOptions> = {}): Promise<TieredStore> {
  await ensureCassandraSchema();
  const redisUrl = new URL(endpoints.redis.url);
  const { contactPoints, localDataCenter } = endpoints.cassandra;
  return new TieredStore({
    name: `tiered(redis+cassandra) ${prefix}`,
    ...options,
    cache: new RedisSessionStore({ connection: { host: redisUrl.hostname, port: Number(redisUrl.port) }, keyPrefix: prefix }),
    durable: new CassandraSessionStore({ contactPoints, localDataCenter, keyspace: KEYSPACE, prefix, operationTimeoutMs: 10_000 }),
  });
}

/** Tiered stores on the real test servers (from services/), shared by the suites of this package. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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


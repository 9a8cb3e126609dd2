/**
 * `sessionkit sessions stats`: a session count only where the backend can give one cheaply (one call, no
 * scan). Decided per backend:
 *
 * | backend | stats | why |
 * | --- | --- | --- |
 * | DynamoDB | `ItemCount` and `TableSizeBytes` of DescribeTable | one call; DynamoDB refreshes them about every 6 hours, and they include expired items TTL has not purged yet: approximate |
 * | Redis (all forms) | not available | counting keys under the prefix is a SCAN of the whole keyspace; `DBSIZE` counts every key of the database, index entries and other data included |
 * | memcached | not available | `stats curr_items` is server-wide (every item, index entries and other applications' data) |
 * | Cassandra | not available | no count without reading every partition; `system.size_estimates` is a per-node estimate of partitions |
 * | Hazelcast | not available | the store does not expose its client; `IMap.size()` would also count index entries |
 * | memory | not available | the embedded store lives in one process: the CLI's would be empty |
 *
 * @module
 */
import type { StoreSpec } from '@sessionkit/store-url';
import { createStore, describeStore, importAdapter } from '@sessionkit/store-url';

/** The stats of one backend of the URL (two for a tiered pair). */
export type StoreStats =
  | {
      backend: 'dynamodb';
      store: string;
      tier?: 'cache' | 'durable';
      available: true;
      /** Items in the table (sessions; DynamoDB's periodic figure, expired-but-unpurged included). */
      items: number;
      /** Table size in bytes (same caveats). */
      bytes: number;
      approximate: true;
      note: string;
    }
  | { backend: string; store: string; tier?: 'cache' | 'durable'; available: false; reason: string };

const UNAVAILABLE: Record<string, string> = {
  redis: 'counting sessions needs a SCAN of every key (DBSIZE counts all keys of the database)',
  'redis-cluster': 'counting sessions needs a SCAN of every key on every master',
  'redis-sentinel': 'counting sessions needs a SCAN of every key (DBSIZE counts all keys of the database)',
  memcached: 'memcached only counts items server-wide (index entries and other data included)',
  cassandra: 'Cassandra cannot count partitions without reading them all',
  hazelcast: 'the Hazelcast store does not expose a cheap count of sessions alone',
  memory: 'the embedded MemoryStore lives in one process (the CLI would see its own empty store)',
};

/** The stats of every backend `spec` names; only DynamoDB is contacted (see the module table). */
export async function storeStats(spec: StoreSpec): Promise<StoreStats[]> {
  const parts: { leaf: Exclude<StoreSpec, { kind: 'tiered' }>; tier?: 'cache' | 'durable' }[] =
    spec.kind === 'tiered'
      ? [
          { leaf: spec.cache, tier: 'cache' },
          { leaf: spec.durable, tier: 'durable' },
        ]
      : [{ leaf: spec }];
  const results: StoreStats[] = [];
  for (const { leaf, tier } of parts) {
    const base = { store: describeStore(leaf), ...(tier === undefined ? {} : { tier }) };
    if (leaf.kind !== 'dynamodb') {
      results.push({
        backend: leaf.kind,
        ...base,
        available: false,
        reason: UNAVAILABLE[leaf.kind] ?? 'no cheap count',
      });
      continue;
    }
    const { DynamoDBSessionStore } = await importAdapter('dynamodb', () => import('@sessionkit/dynamodb'));
    const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
    const store = await createStore(leaf);
    try {
      if (!(store instanceof DynamoDBSessionStore)) throw new TypeError('unexpected store for dynamodb');
      // connect() describes the table with the adapter's typed errors (unreachable, missing table); the second
      // DescribeTable, through the store's own client (same endpoint, region, credentials), reads the figures.
      await store.connect();
      const table = (await store.client.send(new DescribeTableCommand({ TableName: leaf.table }))).Table;
      results.push({
        backend: 'dynamodb',
        ...base,
        available: true,
        items: table?.ItemCount ?? 0,
        bytes: table?.TableSizeBytes ?? 0,
        approximate: true,
        note: 'DynamoDB updates these about every 6 hours; expired items not yet purged by TTL are included',
      });
    } finally {
      await store.close();
    }
  }
  return results;
}

/**
 * What `sessionkit schema` prints and applies for each backend a store URL names (both tiers of a tiered pair).
 * The CQL and the DynamoDB definitions come from the adapters themselves (`schemaCql`,
 * `sessionTableDefinition`, `sessionTableTtlSpecification`), never written out here.
 *
 * @module
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';
import type { LeafStoreSpec, StoreSpec } from '@sessionkit/store-url';
import { createStore, describeStore, importAdapter } from '@sessionkit/store-url';

/** Settings of the Cassandra keyspace that `--apply` creates. */
export interface CassandraSchemaSettings {
  /** Replicas per data center (the URL's `?dc=`, default `datacenter1`). */
  replicationFactor: number;
  /** `gc_grace_seconds` of both tables (adapter default when undefined). */
  gcGraceSeconds: number | undefined;
}

/** The schema of one backend of the URL. */
export type SchemaPlan =
  | { backend: 'cassandra'; store: string; tier?: Tier; keyspace: string; statements: string[] }
  | {
      backend: 'dynamodb';
      store: string;
      tier?: Tier;
      table: string;
      createTable: CreateTableCommandInput;
      timeToLive: UpdateTimeToLiveCommandInput;
    }
  | { backend: string; store: string; tier?: Tier; none: string };

/** Which tier of a tiered pair a plan belongs to. */
export type Tier = 'cache' | 'durable';

/** What `--apply` did for one plan. */
export type ApplyResult =
  | { backend: 'cassandra'; store: string; applied: true }
  | {
      backend: 'dynamodb';
      store: string;
      applied: true;
      /** `false` when the table already existed (its key schema and index were checked). */
      created: boolean;
      ttl: 'enabled' | 'already-enabled' | 'disabled' | 'unsupported';
    }
  | { backend: string; store: string; applied: false; none: string };

const NO_SCHEMA: Record<string, string> = {
  redis: 'Redis keeps sessions as keys with native expiry: there is no schema to create',
  'redis-cluster': 'Redis Cluster keeps sessions as keys with native expiry: there is no schema to create',
  'redis-sentinel': 'Redis keeps sessions as keys with native expiry: there is no schema to create',
  memcached: 'memcached keeps sessions as items with native expiry: there is no schema to create',
  hazelcast:
    'the Hazelcast IMap is created on first use: there is no schema to create (its backup count and max-idle are member configuration)',
  memory: 'the embedded MemoryStore lives in one process: there is no schema to create',
};

function noSchema(kind: string): string {
  return NO_SCHEMA[kind] ?? 'there is no schema to create';
}

function leaves(spec: StoreSpec): { leaf: Exclude<StoreSpec, { kind: 'tiered' }>; tier?: Tier }[] {
  if (spec.kind === 'tiered') {
    return [
      { leaf: spec.cache, tier: 'cache' },
      { leaf: spec.durable, tier: 'durable' },
    ];
  }
  return [{ leaf: spec }];
}

/** The schema of every backend `spec` names (one plan, or two for a tiered pair). Contacts nothing. */
export async function planSchema(spec: StoreSpec, settings: CassandraSchemaSettings): Promise<SchemaPlan[]> {
  return Promise.all(
    leaves(spec).map(async ({ leaf, tier }): Promise<SchemaPlan> => {
      const base = { store: describeStore(leaf), ...(tier === undefined ? {} : { tier }) };
      if (leaf.kind === 'cassandra') {
        const { schemaCql } = await importAdapter('cassandra', () => import('@sessionkit/cassandra'));
        return {
          backend: 'cassandra',
          ...base,
          keyspace: leaf.keyspace,
          statements: schemaCql(cassandraOptions(leaf, settings)),
        };
      }
      if (leaf.kind === 'dynamodb') {
        const { sessionTableDefinition, sessionTableTtlSpecification } = await importAdapter(
          'dynamodb',
          () => import('@sessionkit/dynamodb'),
        );
        return {
          backend: 'dynamodb',
          ...base,
          table: leaf.table,
          createTable: sessionTableDefinition({ tableName: leaf.table }),
          timeToLive: sessionTableTtlSpecification({ tableName: leaf.table }),
        };
      }
      return { backend: leaf.kind, ...base, none: noSchema(leaf.kind) };
    }),
  );
}

function cassandraOptions(leaf: Extract<LeafStoreSpec, { kind: 'cassandra' }>, settings: CassandraSchemaSettings) {
  return {
    keyspace: leaf.keyspace,
    replication: { class: 'NetworkTopologyStrategy' as const, [leaf.localDataCenter]: settings.replicationFactor },
    ...(settings.gcGraceSeconds === undefined ? {} : { gcGraceSeconds: settings.gcGraceSeconds }),
  };
}

/**
 * Creates what the plans describe, one backend after the other (idempotent: `IF NOT EXISTS`, an existing
 * DynamoDB table is checked rather than changed). Backends without a schema are reported as not applied.
 */
export async function applySchema(spec: StoreSpec, settings: CassandraSchemaSettings): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const { leaf } of leaves(spec)) {
    const store = describeStore(leaf);
    if (leaf.kind === 'cassandra') {
      const { CassandraSessionStore, createSchema } = await importAdapter(
        'cassandra',
        () => import('@sessionkit/cassandra'),
      );
      await withCreated(leaf, CassandraSessionStore, (s) => createSchema(s.client, cassandraOptions(leaf, settings)));
      results.push({ backend: 'cassandra', store, applied: true });
    } else if (leaf.kind === 'dynamodb') {
      const { DynamoDBSessionStore, createSessionTable } = await importAdapter(
        'dynamodb',
        () => import('@sessionkit/dynamodb'),
      );
      const r = await withCreated(leaf, DynamoDBSessionStore, (s) =>
        createSessionTable(s.client, { tableName: leaf.table }),
      );
      results.push({ backend: 'dynamodb', store, applied: true, created: r.created, ttl: r.ttl });
    } else {
      results.push({ backend: leaf.kind, store, applied: false, none: noSchema(leaf.kind) });
    }
  }
  return results;
}

/** Constructs the leaf's store (not connected: DDL must not require the keyspace or table), runs `body`, closes. */
async function withCreated<S, R>(
  leaf: LeafStoreSpec,
  type: abstract new (...args: never[]) => S,
  body: (store: S) => Promise<R>,
): Promise<R> {
  const store = await createStore(leaf);
  try {
    if (!(store instanceof type)) throw new TypeError(`unexpected store for ${leaf.kind}`);
    return await body(store);
  } finally {
    await store.close();
  }
}

/**
 * {@link openStore}: a {@link StoreSpec} (or URL) to a connected SessionKit store, with the demo's
 * conveniences (schema and local table creation) unless turned off.
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { importAdapter } from './adapters.js';
import { createStore } from './create.js';
import { parseStoreUrl } from './parse.js';
import type { StoreSpec } from './spec.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Whether to create what the URL asks for when missing: the Cassandra keyspace and tables (unless
   * `?schema=none`) and a local DynamoDB table (unless `?create=false`). Default `true` (the demo's
   * convenience). `false` opens the store as it is and never runs DDL: what tools such as the `sessionkit` CLI
   * use (schema creation there is an explicit `sessionkit schema --apply`).
   */
  provision?: boolean;
}

/** The adapters' eager connect (every server-backed store has one; MemoryStore does not). */
type Connectable = SessionStore & { connect?(): Promise<void> };

/**
 * Opens the store a spec (or a store URL) describes, connecting eagerly where the adapter allows, so a wrong
 * address fails at start-up rather than on the first request. With `provision` (the default) the Cassandra
 * schema and a local DynamoDB table are created if missing, unless the URL opts out. On failure nothing stays
 * open.
 *
 * @throws {StoreUrlError} for a malformed URL; {@link AdapterNotInstalledError} when the adapter package is
 *   missing; the adapter's `StoreUnavailableError` when the backend cannot be reached.
 */
export async function openStore(spec: StoreSpec | string, options: OpenStoreOptions = {}): Promise<SessionStore> {
  const s = typeof spec === 'string' ? parseStoreUrl(spec) : spec;
  if (s.kind === 'tiered') {
    const { TieredStore } = await importAdapter('tiered', () => import('@sessionkit/tiered'));
    const durable = await openStore(s.durable, options);
    const cache = await openStore(s.cache, options).catch(async (error: unknown) => {
      await durable.close().catch(() => undefined);
      throw error;
    });
    return new TieredStore({ cache, durable });
  }
  const store: Connectable = await createStore(s);
  try {
    if (options.provision ?? true) await provision(s, store);
    await store.connect?.();
  } catch (error) {
    // Closing stops the client's reconnection attempts; the original error is what the caller needs.
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** The demo's conveniences: runs before `connect()` (DynamoDB's connect checks that the table exists). */
async function provision(s: StoreSpec, store: SessionStore): Promise<void> {
  if (s.kind === 'cassandra' && s.createSchema) {
    const { CassandraSessionStore, createSchema } = await importAdapter(
      'cassandra',
      () => import('@sessionkit/cassandra'),
    );
    if (!(store instanceof CassandraSessionStore)) return;
    await createSchema(store.client, {
      keyspace: s.keyspace,
      replication: { class: 'NetworkTopologyStrategy', [s.localDataCenter]: 1 },
    });
  } else if (s.kind === 'dynamodb' && s.createTable) {
    const { DynamoDBSessionStore, createSessionTable } = await importAdapter(
      'dynamodb',
      () => import('@sessionkit/dynamodb'),
    );
    if (!(store instanceof DynamoDBSessionStore)) return;
    await createSessionTable(store.client, { tableName: s.table });
  }
}

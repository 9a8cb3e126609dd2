import { describeSessionStore } from '@sessionkit/conformance';
import type { CassandraSessionStore } from '../src/index.js';
import { ensureSchema, openStore, rawRow } from './helpers.js';

describeSessionStore<CassandraSessionStore>('CassandraSessionStore on a real Cassandra 5.0 node', {
  async create({ prefix }) {
    await ensureSchema();
    // Default options (operationTimeoutMs 5000, LOCAL_ONE / LOCAL_QUORUM / LOCAL_SERIAL, per-key write queue).
    return openStore({ keyPrefix: prefix });
  },
  rawRead: {
    async exists(key, { prefix, store }) {
      return (await rawRow(store.client, prefix + key)) !== null;
    },
    async ttlMs(key, { prefix, store }) {
      // The instant Cassandra drops the row, not TTL() * 1000 (whole seconds; see rawRow).
      return (await rawRow(store.client, prefix + key))?.lifeMs ?? null;
    },
  },
  // Every write is a lightweight transaction (4 round trips, ~10-30 ms on a loaded 2-core test machine);
  // the 20-loop race checks run ~400 of them one after the other.
  testTimeoutMs: 60_000,
  // A write here is a lightweight transaction (4 round trips): under load a create can take a few hundred ms,
  // a noticeable fraction of the 300 ms "near deadline" the expiry checks use at timeScale 1.
  timeScale: 2,
});

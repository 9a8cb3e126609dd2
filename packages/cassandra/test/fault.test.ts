/**
 * Fault test: the single Cassandra node is stopped in the middle of a run and started again. While it is down
 * every call fails with a typed, retryable StoreUnavailableError tagged with the store; once it is back, the
 * same store (same driver client: its reconnection policy reconnects) serves reads and writes again, and
 * sessions written before the stop are still there.
 *
 * The server is restarted in `finally`, so later suites find it up.
 */
import { randomBytes } from 'node:crypto';
import { type SessionKitError, StoreUnavailableError } from '@sessionkit/core';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassandraSessionStore } from '../src/index.js';
import { contractCalls, ensureSchema, eventually, failure, key, openStore, record } from './helpers.js';

const external = endpoints.cassandra.external;

const skipReason = external
  ? ' [skipped: SESSIONKIT_CASSANDRA_CONTACT_POINTS points at an external cluster; fault tests only stop our own servers]'
  : '';

describe.skipIf(external)(`Cassandra stopped and restarted mid-run (fault test)${skipReason}`, () => {
  let store: CassandraSessionStore;
  beforeAll(async () => {
    await ensureSchema();
    store = openStore({ keyPrefix: `fault-${randomBytes(4).toString('hex')}:`, operationTimeoutMs: 3000 });
    await store.connect();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('typed errors while it is down, then recovery on the same store', async () => {
    const before = key();
    const beforeRecord = record({ userId: 'fault-user' });
    expect(await store.create(before, beforeRecord)).toBe(true);

    const errors: unknown[] = [];
    try {
      await serverControl.stop('cassandra');
      for (const [name, call] of contractCalls(store, before, 'fault-user')) {
        const error = await failure(call());
        errors.push(error);
        expect(error, `${name} while down`).toBeInstanceOf(StoreUnavailableError);
        expect((error as SessionKitError).store, `${name}: store tag`).toBe('cassandra');
        expect((error as SessionKitError).retryable, `${name}: retryable`).toBe(true);
      }
      // A store created while the cluster is down fails just as cleanly on connect.
      const late = openStore({ keyPrefix: 'fault-late:', operationTimeoutMs: 3000 });
      try {
        expect(await failure(late.connect())).toBeInstanceOf(StoreUnavailableError);
      } finally {
        await late.close();
      }
    } finally {
      await serverControl.start('cassandra');
    }
    // Once the driver has marked the node down it fails fast with NoHostAvailable instead of waiting out the
    // deadline: at least the later calls say so.
    expect(errors.some((e) => /no Cassandra node available/.test(String((e as Error).message)))).toBe(true);

    // Recovery: the same store reconnects by itself (exponential reconnection policy, 200 ms .. 5 s).
    const got = await eventually(() => store.get(before, { consistency: 'strong' }), 120_000);
    expect(got?.version).toBe(1);
    expect(Buffer.from(got!.data).equals(Buffer.from(beforeRecord.data))).toBe(true);
    expect(await eventually(() => store.update(before, record({ version: 2, userId: 'fault-user' }), 1), 30_000)).toBe(
      true,
    );
    const after = key();
    expect(await store.create(after, record({ userId: 'fault-user' }))).toBe(true);
    expect((await store.listByUser('fault-user')).map((e) => e.key).sort()).toEqual([before, after].sort());
    expect(await store.deleteByUser('fault-user')).toBe(2);
  });
});

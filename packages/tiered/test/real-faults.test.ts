/**
 * Tier failures on real servers: memcached (the cache, one server) and dynalite (the durable store) are
 * stopped in the middle of a run of session operations, then started again.
 */
import { type SessionKitError, SessionManager, StoreUnavailableError } from '@sessionkit/core';
import { MemcachedSessionStore } from '@sessionkit/memcached';
import { endpoints, serverControl } from '@sessionkit/test-servers';
import { forgetDynamoTable, openTestStore } from '@sessionkit/test-stores';
import { afterAll, describe, expect, it } from 'vitest';
import { TieredStore, type TieredStoreOptions } from '../src/index.js';

/** Memcached on one server only (so stopping it takes the whole cache tier down) in front of dynalite. */
async function memcachedOverDynamo(
  prefix: string,
  options: Partial<TieredStoreOptions> & { durableTimeoutMs: number },
): Promise<TieredStore> {
  const { durableTimeoutMs, ...tiered } = options;
  return new TieredStore({
    ...tiered,
    cache: new MemcachedSessionStore({
      servers: [endpoints.memcached.servers[0]!],
      keyPrefix: prefix,
      operationTimeoutMs: 2_000,
    }),
    durable: await openTestStore('dynamodb', { prefix, operationTimeoutMs: durableTimeoutMs }),
  });
}
const manager = (store: TieredStore) => new SessionManager({ store, idleTimeout: 60_000, absoluteTimeout: 600_000 });

describe.skipIf(endpoints.memcached.external || endpoints.dynamodb.external)(
  'TieredStore on real servers under faults',
  () => {
    afterAll(async () => {
      await serverControl.start('memcached-21211');
      await serverControl.start('dynalite');
    }, 120_000);

    it('keeps serving every session operation while the cache server is down, and uses it again after', async () => {
      const cacheErrors: SessionKitError[] = [];
      const store = await memcachedOverDynamo(`tf-cache-${Date.now()}:`, {
        durableTimeoutMs: 3_000,
        breaker: { failureThreshold: 3, resetAfterMs: 500 },
        onCacheError: (error) => cacheErrors.push(error),
      });
      const sessions = manager(store);
      try {
        const ids: string[] = [];
        const failures: unknown[] = [];
        const step = async (i: number) => {
          try {
            const session = sessions.create();
            session.set('n', i);
            await sessions.commit(session);
            ids.push(session.id);
            const loaded = await sessions.load(ids[Math.floor(ids.length / 2)]!);
            loaded!.set('seen', i);
            await sessions.commit(loaded!);
          } catch (error) {
            failures.push(error);
          }
        };
        for (let i = 0; i < 10; i++) await step(i);
        await serverControl.kill('memcached-21211');
        const started = Date.now();
        for (let i = 10; i < 40; i++) await step(i);
        const outageMs = Date.now() - started;
        expect(failures).toEqual([]);
        expect(cacheErrors.length).toBeGreaterThan(0);
        expect(cacheErrors.every((error) => error instanceof StoreUnavailableError)).toBe(true);
        expect(store.stats.cacheBypassed).toBeGreaterThan(cacheErrors.length); // the breaker skipped the rest
        expect(outageMs).toBeLessThan(30_000);
        for (const id of ids) expect(await sessions.load(id)).not.toBeNull();

        await serverControl.start('memcached-21211');
        await new Promise((resolve) => setTimeout(resolve, 600)); // past resetAfterMs: the trial call goes through
        const hitsBefore = store.stats.cacheHits;
        for (const id of ids.slice(0, 5)) {
          expect(await sessions.load(id)).not.toBeNull(); // miss, backfill
          expect(await sessions.load(id)).not.toBeNull(); // hit
        }
        expect(store.stats.cacheHits).toBeGreaterThan(hitsBefore);
      } finally {
        await store.close();
      }
    });

    it('fails typed while the durable server is down and never lets the cache get ahead of it', async () => {
      const store = await memcachedOverDynamo(`tf-durable-${Date.now()}:`, { durableTimeoutMs: 2_000 });
      const sessions = manager(store);
      try {
        const existing = sessions.create();
        existing.set('v', 1);
        await sessions.commit(existing);
        const before = (await store.cache.get(existing.key))!;

        await serverControl.kill('dynalite');
        const fresh = sessions.create();
        fresh.set('v', 1);
        await expect(sessions.commit(fresh)).rejects.toBeInstanceOf(StoreUnavailableError);
        const stale = (await sessions.load(existing.id))!; // served from the cache tier
        stale.set('v', 2);
        const error = await sessions.commit(stale).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).store).toMatch(/dynamodb/);
        await expect(sessions.load(existing.id, { consistency: 'strong' })).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );

        // Nothing the durable store refused reached the cache.
        expect(await store.cache.get(fresh.key)).toBeNull();
        expect((await store.cache.get(existing.key))?.version).toBe(before.version);
      } finally {
        await serverControl.start('dynalite');
        forgetDynamoTable();
        await store.close();
      }
    });
  },
);

/**
 * One of three servers dies mid-run: only the sessions it owns fail, with typed errors, the others keep
 * working throughout, and the server is used again as soon as it is back (it is never taken off the ring).
 */
import { randomUUID } from 'node:crypto';
import { generateSessionId, hashSessionId, StoreUnavailableError } from '@sessionkit/core';
import { serverControl } from '@sessionkit/test-servers';
import { afterAll, describe, expect, test } from 'vitest';
import { MemcachedSessionStore } from '../src/index.js';
import { rec, servers, serversAreOurs } from './helpers.js';

const VICTIM = 'memcached-21212' as const;
const VICTIM_ADDRESS = '127.0.0.1:21212';

describe.skipIf(!serversAreOurs || !servers.includes(VICTIM_ADDRESS))(
  // Skipped only when SESSIONKIT_MEMCACHED_SERVERS points at servers we may not kill.
  'one of three servers killed mid-run',
  () => {
    const store = new MemcachedSessionStore({
      servers,
      keyPrefix: `skf-${randomUUID().slice(0, 8)}:`,
      operationTimeoutMs: 1000,
    });

    afterAll(async () => {
      // Leave the server up for the suites that follow, whatever happened.
      await serverControl.start(VICTIM);
      await store.close();
    });

    test('only the victim’s keys fail (typed, retryable), the rest keep working, and it serves again after restart', async () => {
      const keys = Array.from({ length: 90 }, () => hashSessionId(generateSessionId()));
      for (const k of keys) expect(await store.create(k, rec())).toBe(true);
      const onVictim = keys.filter((k) => store.serverFor(k) === VICTIM_ADDRESS);
      const elsewhere = keys.filter((k) => store.serverFor(k) !== VICTIM_ADDRESS);
      expect(onVictim.length).toBeGreaterThan(5);
      expect(elsewhere.length).toBeGreaterThan(20);

      // Traffic runs while the server is killed: every failure must be a typed error on a victim key.
      const versions = new Map(keys.map((k) => [k, 1]));
      const failures: { key: string; error: unknown }[] = [];
      let okElsewhere = 0;
      let running = true;
      const traffic = (async () => {
        while (running) {
          await Promise.all(
            keys.map(async (k) => {
              try {
                const got = await store.get(k);
                if (got === null) throw new Error('session lost');
                const v = versions.get(k)!;
                if (await store.update(k, rec({ version: v + 1 }), v)) versions.set(k, v + 1);
                if (store.serverFor(k) !== VICTIM_ADDRESS) okElsewhere++;
              } catch (error) {
                failures.push({ key: k, error });
              }
            }),
          );
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      try {
        await serverControl.kill(VICTIM);
        await new Promise((r) => setTimeout(r, 1500));
      } finally {
        running = false;
        await traffic;
      }

      console.log(
        `during the kill: ${failures.length} failures (all on ${VICTIM_ADDRESS}), ${okElsewhere} successful get+update on the other servers; kinds: ${[...new Set(failures.map((f) => (f.error as Error).constructor.name))].join(', ')}`,
      );
      expect(failures.length).toBeGreaterThan(0);
      for (const { key, error } of failures) {
        expect(store.serverFor(key), 'a key on a healthy server failed').toBe(VICTIM_ADDRESS);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ store: 'memcached', retryable: true });
      }
      expect(okElsewhere).toBeGreaterThan(elsewhere.length * 2);

      // While it is down: victim keys fail fast and typed, every other session is intact and writable.
      for (const k of onVictim) {
        const error = await store.get(k).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toContain(VICTIM_ADDRESS);
      }
      for (const k of elsewhere) {
        expect((await store.get(k))!.version).toBe(versions.get(k));
        expect(await store.touch(k, Date.now() + 60_000)).toBe(true);
      }
      const fresh = Array.from({ length: 30 }, () => hashSessionId(generateSessionId()));
      const freshResults = await Promise.allSettled(fresh.map((k) => store.create(k, rec())));
      freshResults.forEach((r, i) => {
        expect(r.status === 'fulfilled').toBe(store.serverFor(fresh[i]!) !== VICTIM_ADDRESS);
      });

      // Back up (empty: memcached keeps nothing across a restart). Its keys read as logged out and are
      // writable again through the same store, without any action on the store.
      await serverControl.start(VICTIM);
      for (const k of onVictim) {
        expect(await store.get(k)).toBeNull();
        expect(await store.create(k, rec())).toBe(true);
        expect(await store.update(k, rec({ version: 2 }), 1)).toBe(true);
      }
      for (const k of elsewhere) expect(await store.get(k)).not.toBeNull();
    });
  },
);

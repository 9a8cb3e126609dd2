/**
 * A cache tier whose server refuses connections: a real RedisSessionStore on a closed port, its deadline a
 * minute away. Every session is served from the durable store, the breaker opens after its threshold, and
 * nothing waits for the deadline (the test's own timeout is far below it).
 */
import type { CountingStore } from '@sessionkit/conformance';
import { countingStore } from '@sessionkit/conformance';
import type { SessionKitError } from '@sessionkit/core';
import { connectionErrorCode, MemoryStore, SessionManager, StoreUnavailableError } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { closedPort } from '@sessionkit/test-servers';
import { describe, expect, it } from 'vitest';
import { TieredStore } from '../src/index.js';

/** A deadline no test may wait out. */
const LONG_DEADLINE_MS = 60_000;

describe('TieredStore with a cache whose server refuses connections', () => {
  it('serves every session from the durable store and opens the breaker without waiting for the deadline', {
    timeout: 10_000,
  }, async () => {
    const cache = new RedisSessionStore({
      connection: { host: '127.0.0.1', port: await closedPort() },
      keyPrefix: 'tiered-refused:',
      operationTimeoutMs: LONG_DEADLINE_MS,
    });
    const asked: CountingStore = countingStore(cache);
    const cacheErrors: SessionKitError[] = [];
    const store = new TieredStore({
      cache: asked,
      durable: new MemoryStore({ name: 'durable' }),
      breaker: { failureThreshold: 3, resetAfterMs: LONG_DEADLINE_MS },
      onCacheError: (error) => cacheErrors.push(error),
    });
    const sessions = new SessionManager({ store, idleTimeout: 60_000, absoluteTimeout: 600_000 });
    try {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) {
        const session = sessions.create();
        session.set('n', n);
        await sessions.commit(session);
        ids.push(session.id);
      }
      for (const [n, id] of ids.entries()) expect((await sessions.load(id))?.get('n')).toBe(n);

      expect(asked.calls(), 'the cache was asked until the breaker opened, then never again').toBe(3);
      expect(cacheErrors).toHaveLength(3);
      for (const error of cacheErrors) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(connectionErrorCode(error)).toBe('ECONNREFUSED');
      }
      expect(store.stats.cacheBypassed).toBeGreaterThan(cacheErrors.length);
    } finally {
      await Promise.all([store.close(), cache.close()]);
    }
  });
});

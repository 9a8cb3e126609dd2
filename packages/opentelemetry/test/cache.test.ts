/**
 * `observeStore`: a tiered store's cache hits, misses and breaker state, and a near cache's lookups and
 * invalidations, read from the statistics they keep at each collection.
 */
import type { SessionStore, StoredSession } from '@sessionkit/core';
import { ConfigurationError, MemoryStore, NearCache, StoreUnavailableError } from '@sessionkit/core';
import { TieredStore } from '@sessionkit/tiered';
import { describe, expect, it } from 'vitest';
import { ATTR, METRICS } from '../src/index.js';
import { testTelemetry, total } from './harness.js';

const record = (): StoredSession => ({ data: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 });

/** A memory store whose calls all fail while `down` is set. */
function fallibleCache(): SessionStore & { down: boolean } {
  const memory = new MemoryStore({ name: 'cache' });
  const call =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      wrapper.down ? Promise.reject(new StoreUnavailableError('down', { store: 'cache' })) : run(...args);
  const wrapper = {
    down: false,
    name: memory.name,
    capabilities: memory.capabilities,
    get: call((key: string) => memory.get(key)),
    create: call((key: string, session: StoredSession) => memory.create(key, session)),
    update: call((key: string, session: StoredSession, version: number) => memory.update(key, session, version)),
    touch: call((key: string, expiresAt: number) => memory.touch(key, expiresAt)),
    delete: call((key: string) => memory.delete(key)),
    listByUser: call((userId: string) => memory.listByUser(userId)),
    deleteByUser: call((userId: string) => memory.deleteByUser(userId)),
    close: () => memory.close(),
  };
  return wrapper;
}

describe('observeStore', () => {
  it("reports a tiered store's cache hits and misses and its breaker state", async () => {
    const t = testTelemetry();
    const cache = fallibleCache();
    const tiered = new TieredStore({
      cache,
      durable: new MemoryStore({ name: 'durable' }),
      breaker: { failureThreshold: 1, resetAfterMs: 60_000 },
      onCacheError: () => {},
    });
    t.telemetry.observeStore(tiered);
    await tiered.create('k', record());
    await tiered.get('k');
    await tiered.get('k');
    await tiered.get('absent');
    const at = { [ATTR.store]: tiered.name, [ATTR.cache]: 'tiered' };
    let metrics = await t.metrics();
    expect(total(metrics, METRICS.cacheLookups, { ...at, [ATTR.result]: 'hit' })).toBe(2);
    expect(total(metrics, METRICS.cacheLookups, { ...at, [ATTR.result]: 'miss' })).toBe(1);
    expect(total(metrics, METRICS.breakerState, { [ATTR.store]: tiered.name })).toBe(0);

    cache.down = true;
    await tiered.get('k');
    metrics = await t.metrics();
    expect(total(metrics, METRICS.breakerState, { [ATTR.store]: tiered.name })).toBe(1);
  });

  it("reports a near cache's hits, misses and invalidations, until unsubscribed", async () => {
    const t = testTelemetry();
    const near = new NearCache({ maxAgeMs: 60_000 });
    const stop = t.telemetry.observeStore(Object.assign(near, { name: 'near' }));
    const now = Date.now();
    expect(near.get('k', now)).toBeUndefined();
    near.finishRead(near.beginRead('k'), record(), now);
    expect(near.get('k', now)).toBeDefined();
    near.invalidate('k');
    let metrics = await t.metrics();
    const at = { [ATTR.store]: 'near', [ATTR.cache]: 'near' };
    expect(total(metrics, METRICS.cacheLookups, { ...at, [ATTR.result]: 'hit' })).toBe(1);
    expect(total(metrics, METRICS.cacheLookups, { ...at, [ATTR.result]: 'miss' })).toBe(1);
    expect(total(metrics, METRICS.cacheInvalidations, at)).toBe(1);

    stop();
    near.get('k', now);
    metrics = await t.metrics();
    expect(total(metrics, METRICS.cacheLookups, { ...at, [ATTR.result]: 'miss' })).toBe(1);
  });

  it('refuses a store that keeps no cache statistics', () => {
    const t = testTelemetry();
    expect(() => t.telemetry.observeStore(new MemoryStore() as never)).toThrow(ConfigurationError);
  });
});

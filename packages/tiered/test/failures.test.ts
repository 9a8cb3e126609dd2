import { countingStore } from '@sessionkit/conformance';
import {
  ManualClock,
  MemoryStore,
  type SessionKitError,
  SessionManager,
  type StoredSession,
  StoreUnavailableError,
} from '@sessionkit/core';
import { describe, expect, it } from 'vitest';
import { CACHE_FAILING_WARNING, TieredStore } from '../src/index.js';
import { FaultyStore, pausableGets } from './faulty-store.js';

const record = (version = 1, expiresAt = Date.now() + 60_000): StoredSession => ({
  data: new Uint8Array([version]),
  version,
  expiresAt,
});

function tiers(options: { clock?: ManualClock } = {}) {
  const cache = new FaultyStore('cache');
  const durable = new FaultyStore('durable');
  // What the tiered store asks of each tier (the test's own direct calls are not counted).
  const asked = { cache: countingStore(cache), durable: countingStore(durable) };
  const cacheErrors: SessionKitError[] = [];
  const store = new TieredStore({
    cache: asked.cache,
    durable: asked.durable,
    clock: options.clock,
    breaker: { failureThreshold: 3, resetAfterMs: 1_000 },
    onCacheError: (error) => cacheErrors.push(error),
  });
  return { cache, durable, asked, store, cacheErrors };
}

describe('TieredStore tiers', () => {
  it('writes durable first, then the cache with the same deadline, and reads from the cache', async () => {
    const { cache, durable, store, asked } = tiers();
    await store.create('k', record(1));
    expect((await durable.get('k'))?.version).toBe(1);
    expect((await cache.get('k'))?.expiresAt).toBe((await durable.get('k'))?.expiresAt);
    const durableCalls = asked.durable.calls();
    expect((await store.get('k'))?.version).toBe(1);
    expect(asked.durable.calls()).toBe(durableCalls);
    expect(store.stats.cacheHits).toBe(1);
  });

  it('backfills a miss from the durable store at the same deadline', async () => {
    const { cache, durable, store } = tiers();
    const stored = record(4);
    await durable.create('k', stored);
    expect((await store.get('k'))?.version).toBe(4);
    expect((await cache.get('k'))?.expiresAt).toBe(stored.expiresAt);
  });

  it("sends 'strong' reads to the durable store only", async () => {
    const { durable, store, asked } = tiers();
    await store.create('k', record(1));
    await durable.update('k', record(2), 1); // the cache is now behind
    expect((await store.get('k'))?.version).toBe(1);
    const cacheCalls = asked.cache.calls();
    expect((await store.get('k', { consistency: 'strong' }))?.version).toBe(2);
    expect(asked.cache.calls()).toBe(cacheCalls);
  });

  it('lets the durable store decide compare-and-set', async () => {
    const { cache, store } = tiers();
    await store.create('k', record(1));
    await cache.update('k', record(7), 1); // a cache that disagrees must not matter
    expect(await store.update('k', record(2), 1)).toBe(true);
    expect(await store.update('k', record(3), 7)).toBe(false);
    expect((await store.get('k', { consistency: 'strong' }))?.version).toBe(2);
    expect(await cache.get('k')).toBeNull(); // the cache refused the write, so its entry was dropped
  });
});

describe('TieredStore with the cache down', () => {
  it('keeps every operation working on the durable store and opens the breaker', async () => {
    const clock = new ManualClock(Date.now());
    const { cache, store, cacheErrors, asked } = tiers({ clock });
    cache.mode = 'down';
    await store.create('a', record(1));
    expect((await store.get('a'))?.version).toBe(1);
    expect(await store.update('a', record(2), 1)).toBe(true);
    expect(await store.touch('a', Date.now() + 120_000)).toBe(true);
    const callsWhenOpen = asked.cache.calls();
    expect(callsWhenOpen).toBe(3); // the threshold: later calls skip the cache entirely
    for (let i = 0; i < 20; i++) expect((await store.get('a'))?.version).toBe(2);
    expect(asked.cache.calls()).toBe(callsWhenOpen);
    expect(cacheErrors).toHaveLength(3);
    expect(cacheErrors.every((error) => error instanceof StoreUnavailableError && error.store === 'cache')).toBe(true);

    // The cache comes back: after resetAfterMs one trial call closes the breaker.
    cache.mode = 'up';
    clock.advance(1_000);
    expect((await store.get('a'))?.version).toBe(2);
    expect((await store.get('a'))?.version).toBe(2);
    expect(store.stats.cacheHits).toBeGreaterThanOrEqual(1);
  });

  it('bounds the time spent on a hung cache to the first timeouts', async () => {
    const { cache, store, asked } = tiers();
    await store.create('a', record(1));
    cache.mode = 'slow'; // every cache call now takes 50 ms and fails
    const started = Date.now();
    for (let i = 0; i < 30; i++) expect((await store.get('a'))?.version).toBe(1);
    expect(asked.cache.calls()).toBeLessThanOrEqual(2 + 3);
    expect(Date.now() - started).toBeLessThan(30 * 50);
  });

  it('never serves a session deleted while the cache was unreachable', async () => {
    const clock = new ManualClock(Date.now());
    const { cache, store } = tiers({ clock });
    await store.create('gone', record(1));
    expect((await store.get('gone'))?.version).toBe(1); // cached
    cache.mode = 'down';
    expect(await store.delete('gone')).toBe(true);
    expect(store.stats.dirtyKeys).toBe(1);
    cache.mode = 'up';
    clock.advance(1_000);
    expect(await cache.get('gone')).not.toBeNull(); // the stale entry is still in the cache...
    expect(await store.get('gone')).toBeNull(); // ...but is never served
    expect(await cache.get('gone')).toBeNull();
    expect(store.stats.dirtyKeys).toBe(0);
  });

  it('never serves an update made while the cache was unreachable as its older version', async () => {
    const clock = new ManualClock(Date.now());
    const { cache, store } = tiers({ clock });
    await store.create('k', record(1));
    cache.mode = 'down';
    expect(await store.update('k', record(2), 1)).toBe(true);
    cache.mode = 'up';
    clock.advance(1_000);
    expect((await store.get('k'))?.version).toBe(2);
  });
});

describe('TieredStore without onCacheError', () => {
  /** The process warnings emitted while `run` runs (they are delivered on the next tick). */
  async function warningsDuring(run: () => Promise<void>): Promise<Array<Error & { code?: string }>> {
    const warnings: Array<Error & { code?: string }> = [];
    const listen = (warning: Error & { code?: string }) => warnings.push(warning);
    process.on('warning', listen);
    try {
      await run();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    return warnings;
  }

  it('reports a failing cache with one process warning each time the breaker opens, naming no key', async () => {
    const clock = new ManualClock(Date.now());
    const cache = new FaultyStore('cache');
    const store = new TieredStore({
      cache,
      durable: new MemoryStore({ name: 'durable' }),
      clock,
      breaker: { failureThreshold: 3, resetAfterMs: 1_000 },
    });
    const key = 'the-hashed-session-key';
    await store.create(key, record(1));

    cache.mode = 'down';
    const outage = await warningsDuring(async () => {
      for (let i = 0; i < 10; i++) expect((await store.get(key))?.version).toBe(1);
      clock.advance(1_000); // a trial call fails: the same outage, no second warning
      expect((await store.get(key))?.version).toBe(1);
    });
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ name: 'SessionKitWarning', code: CACHE_FAILING_WARNING });
    expect(outage[0]!.message).toMatch(/"cache".*STORE_UNAVAILABLE/);
    expect(outage[0]!.message).not.toContain(key);
    expect(store.stats.cacheErrors).toBe(4);

    cache.mode = 'up';
    clock.advance(1_000);
    const recovered = await warningsDuring(async () => {
      expect((await store.get(key))?.version).toBe(1); // the trial succeeds: the breaker closes
    });
    expect(recovered).toEqual([]);
    cache.mode = 'down';
    const next = await warningsDuring(async () => {
      for (let i = 0; i < 3; i++) await store.get(key);
    });
    expect(next, 'a new outage warns again').toHaveLength(1);
  });
});

describe('TieredStore with the durable store down', () => {
  it('fails typed and leaves the cache untouched', async () => {
    const { cache, durable, store, asked } = tiers();
    await store.create('k', record(1));
    durable.mode = 'down';
    const cacheCalls = asked.cache.calls();
    await expect(store.create('n', record(1))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', store: 'durable' });
    await expect(store.update('k', record(2), 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.touch('k', Date.now() + 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.delete('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(asked.cache.calls()).toBe(cacheCalls);
    durable.mode = 'up';
    expect(await cache.get('n')).toBeNull();
    expect((await cache.get('k'))?.version).toBe(1);
    expect((await store.get('k', { consistency: 'strong' }))?.version).toBe(1);
  });
});

describe('TieredStore races', () => {
  it('a destroy racing a cache backfill is never undone by the backfilled entry', async () => {
    const cache = new MemoryStore({ name: 'cache' });
    const durableStore = new MemoryStore({ name: 'durable' });
    const durable = pausableGets(durableStore);
    const store = new TieredStore({ cache, durable: durable.store });
    await durableStore.create('k', record(1));
    const release = durable.pauseNextGet();
    const read = store.get('k'); // misses the cache, reads durable, pauses before the backfill
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.delete('k')).toBe(true); // the logout completes in both tiers
    release();
    expect((await read)?.version).toBe(1); // the in-flight read may still answer what it read...
    expect(await cache.get('k')).toBeNull(); // ...but the backfill was verified and removed
    expect(await store.get('k')).toBeNull();
  });

  it('logout everywhere removes cached copies too', async () => {
    const cache = new MemoryStore({ name: 'cache' });
    const store = new TieredStore({ cache, durable: new MemoryStore({ name: 'durable' }) });
    for (const key of ['a', 'b', 'c']) await store.create(key, { ...record(1), userId: 'u' });
    expect(await store.deleteByUser('u')).toBe(3);
    for (const key of ['a', 'b', 'c']) expect(await cache.get(key)).toBeNull();
  });

  it('the manager never resurrects a session destroyed through another instance', async () => {
    const sharedCache = new MemoryStore({ name: 'cache' });
    const sharedDurable = new MemoryStore({ name: 'durable' });
    const options = { idleTimeout: 60_000, absoluteTimeout: 600_000 };
    const a = new SessionManager({
      ...options,
      store: new TieredStore({ cache: sharedCache, durable: sharedDurable }),
    });
    const b = new SessionManager({
      ...options,
      store: new TieredStore({ cache: sharedCache, durable: sharedDurable }),
    });
    const session = a.create();
    session.set('cart', [1]);
    await a.commit(session);
    const onB = (await b.load(session.id))!;
    await a.destroy(session.id);
    onB.set('cart', [1, 2]);
    expect(await b.commit(onB)).toEqual({ status: 'gone' });
    expect(await a.load(session.id)).toBeNull();
    expect(await b.load(session.id)).toBeNull();
  });
});

describe('TieredStore near cache', () => {
  it('serves from process memory within its staleness bound, and never past it', async () => {
    const clock = new ManualClock(Date.now());
    const cache = new MemoryStore({ name: 'cache' });
    const durable = new MemoryStore({ name: 'durable' });
    const store = new TieredStore({ cache, durable, clock, nearCache: { maxAgeMs: 500 } });
    await store.create('k', record(1, clock.now() + 60_000));
    expect((await store.get('k'))?.version).toBe(1);
    // Another process updates both tiers.
    await durable.update('k', record(2, clock.now() + 60_000), 1);
    await cache.update('k', record(2, clock.now() + 60_000), 1);
    expect((await store.get('k'))?.version).toBe(1); // within the bound: the near copy
    expect(store.stats.nearHits).toBe(1);
    clock.advance(500);
    expect((await store.get('k'))?.version).toBe(2); // past the bound: fresh
    // Writes through this process are seen at once.
    expect(await store.update('k', record(3, clock.now() + 60_000), 2)).toBe(true);
    expect((await store.get('k'))?.version).toBe(3);
  });
});

import {
  ConfigurationError,
  ConflictError,
  ManualClock,
  PayloadTooLargeError,
  StoreClosedError,
  type StoredSession,
} from '@sessionkit/core';
import { type Client, Fields, GenericRecords, Predicates } from 'hazelcast-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HazelcastSessionStore, type HazelcastSessionStoreOptions } from '../src/index.js';
import { encodeRecord, FIELD, LastValueCache, nativeTtlMs, RECORD_TYPE_NAME } from '../src/internal.js';
import { connectStore, openClient, openStore, TEST_MAP, uniquePrefix } from './helpers.js';

const MIN = 60_000;
const record = (over: Partial<StoredSession> = {}): StoredSession => ({
  data: new Uint8Array([0, 1, 2, 253, 254, 255]),
  version: 1,
  expiresAt: Date.now() + 30 * MIN,
  ...over,
});
const randomKey = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);

describe('nativeTtlMs (Hazelcast expires at floor_to_second(now + ttl))', () => {
  it('ends the TTL on the first whole second at or after expiresAt', () => {
    const now = 1_000_000_250;
    // boundary = ceil((now + 1500) / 1000) * 1000 = 1_000_002_000 → ttl 1750
    expect(nativeTtlMs(now + 1_500, now)).toBe(1_750);
    expect(nativeTtlMs(1_000_002_000, now)).toBe(1_750); // already on a boundary
    expect(Math.floor((now + nativeTtlMs(now + 1_500, now)) / 1000) * 1000).toBeGreaterThanOrEqual(now + 1_500);
  });
  it('never sends 0 (which Hazelcast reads as "no expiry") for a near deadline', () => {
    const now = 1_000_000_999;
    expect(nativeTtlMs(now + 1, now)).toBe(1);
    expect(nativeTtlMs(now + 2, now)).toBe(1_001);
    expect(nativeTtlMs(now - 5_000, now)).toBe(1);
  });
});

describe('LastValueCache', () => {
  it('evicts least recently used entries beyond its byte budget', () => {
    const cache = new LastValueCache(3 * (1_000 + 256 + 1));
    const rec = () => encodeRecord({ data: new Uint8Array(1_000), version: 1, expiresAt: 1 });
    cache.set('a', rec());
    cache.set('b', rec());
    cache.set('c', rec());
    expect(cache.get('a')).toBeDefined(); // a is now most recent
    cache.set('d', rec());
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.size).toBe(3);
    cache.set('huge', encodeRecord({ data: new Uint8Array(10_000), version: 1, expiresAt: 1 }));
    expect(cache.get('huge')).toBeUndefined();
  });
});

describe('options', () => {
  it('rejects invalid options with ConfigurationError', () => {
    expect(() => new HazelcastSessionStore({ operationTimeoutMs: 0 })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ mapName: '' })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ members: [] })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ casCacheBytes: -1 })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ nearCache: { maxEntries: 0 } })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ maxCasAttempts: 0 })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ keyPrefix: 1 as unknown as string })).toThrow(ConfigurationError);
    expect(() => new HazelcastSessionStore({ clock: {} as ManualClock })).toThrow(ConfigurationError);
    const fakeClient = { getMap: () => undefined, getConfig: () => ({}) } as unknown as Client;
    expect(() => new HazelcastSessionStore({ client: fakeClient, members: ['x:1'] })).toThrow(/existing client/);
    expect(() => new HazelcastSessionStore({ client: fakeClient, nearCache: true })).toThrow(ConfigurationError);
  });
  it('declares 1 s TTL granularity, a user index, and strong reads only with a near cache', () => {
    expect(new HazelcastSessionStore().capabilities).toMatchObject({
      userIndex: true,
      ttlGranularityMs: 1000,
      strongReads: false,
    });
    expect(new HazelcastSessionStore({ nearCache: true }).capabilities.strongReads).toBe(true);
  });
});

describe('HazelcastSessionStore on the 2-member cluster', () => {
  let client: Client;
  let store: HazelcastSessionStore;

  beforeAll(async () => {
    client = await openClient();
    store = await connectStore({ client, mapName: TEST_MAP, keyPrefix: uniquePrefix('store') });
  });
  afterAll(async () => {
    await store?.close();
    await client?.shutdown();
  });

  /** Runs `check` on a second store over the same client and prefix (with `options`), closed afterwards. */
  async function withSibling(
    options: HazelcastSessionStoreOptions,
    check: (sibling: HazelcastSessionStore) => Promise<void>,
  ) {
    const sibling = await connectStore({ client, mapName: TEST_MAP, keyPrefix: store.keyPrefix, ...options });
    try {
      await check(sibling);
    } finally {
      await sibling.close();
    }
  }

  it('stores a compact record whose fields members can query (no Java class needed)', async () => {
    const key = randomKey();
    const userId = `u-${randomKey()}`;
    await store.create(key, record({ userId }));
    const map = await client.getMap<string, unknown>(TEST_MAP);
    const keys = await map.keySetWithPredicate(Predicates.equal(FIELD.userId, userId));
    expect(keys).toEqual([store.keyPrefix + key]);
    const raw = (await map.get(store.keyPrefix + key)) as { getFloat64(f: string): number; getSchema?: unknown };
    expect(raw.getFloat64(FIELD.version)).toBe(1);
  });

  it('sets a native TTL ending on the whole second at or after expiresAt, and re-applies it after replaceIfSame', async () => {
    const key = randomKey();
    const map = await client.getMap<string, unknown>(TEST_MAP);
    const expiresAt = Date.now() + 10 * MIN + 123;
    await store.create(key, record({ expiresAt }));
    const boundary = Math.ceil(expiresAt / 1000) * 1000;
    expect(Number((await map.getEntryView(store.keyPrefix + key))?.expirationTime)).toBe(boundary);
    // replaceIfSame resets the TTL to the map default (none) on the member; update must set it again.
    const later = Date.now() + 20 * MIN + 456;
    expect(await store.update(key, record({ version: 2, expiresAt: later }), 1)).toBe(true);
    expect(Number((await map.getEntryView(store.keyPrefix + key))?.expirationTime)).toBe(
      Math.ceil(later / 1000) * 1000,
    );
    const touched = Date.now() + 5 * MIN + 789;
    expect(await store.touch(key, touched)).toBe(true);
    expect(Number((await map.getEntryView(store.keyPrefix + key))?.expirationTime)).toBe(
      Math.ceil(touched / 1000) * 1000,
    );
  });

  it('an expired-but-present entry (no TTL on the member) does not block create, and is never returned', async () => {
    const key = randomKey();
    const map = await client.getMap<string, unknown>(TEST_MAP);
    const stale = encodeRecord({ data: new Uint8Array([9]), version: 7, expiresAt: Date.now() - 1_000 });
    await map.set(store.keyPrefix + key, stale.raw); // as left behind by a crash between replaceIfSame and setTtl
    expect(await store.get(key)).toBeNull();
    expect(await store.get(key, { consistency: 'strong' })).toBeNull();
    expect(await store.update(key, record({ version: 8 }), 7)).toBe(false);
    expect(await store.touch(key, Date.now() + MIN)).toBe(false);
    expect(await store.create(key, record())).toBe(true);
    const got = await store.get(key);
    expect(got?.version).toBe(1);
    const view = await map.getEntryView(store.keyPrefix + key);
    expect(Number(view?.expirationTime)).toBeLessThan(Number.MAX_SAFE_INTEGER); // TTL applied again
  });

  it('a foreign value under a key reads as missing', async () => {
    const key = randomKey();
    const map = await client.getMap<string, unknown>(TEST_MAP);
    const other = GenericRecords.compact(`${RECORD_TYPE_NAME}.other`, { x: Fields.INT32 }, { x: 1 });
    await map.set(store.keyPrefix + key, other, 60_000);
    expect(await store.get(key)).toBeNull();
    expect(await store.delete(key)).toBe(false);
  });

  it('update keeps the userId stored at create', async () => {
    const key = randomKey();
    await store.create(key, record({ userId: 'owner-a' }));
    expect(await store.update(key, record({ version: 2, userId: 'owner-b' }), 1)).toBe(true);
    expect((await store.get(key))?.userId).toBe('owner-a');
  });

  it('compare-and-set stays right when the cached value is stale (another client wrote meanwhile)', async () => {
    await withSibling({ casCacheBytes: 0 }, async (other) => {
      const key = randomKey();
      await store.create(key, record());
      expect((await store.get(key))?.version).toBe(1); // store caches v1
      expect(await other.update(key, record({ version: 2 }), 1)).toBe(true);
      expect(await other.touch(key, Date.now() + 40 * MIN)).toBe(true);
      expect(await store.update(key, record({ version: 2 }), 1)).toBe(false); // cache says v1; member says v2
      const v3 = record({ version: 3, data: new Uint8Array([42]) });
      expect(await store.update(key, v3, 2)).toBe(true); // cached v2 (after re-read) is stale: touch moved expiresAt
      expect((await other.get(key))?.data).toEqual(new Uint8Array([42]));
      expect(await other.delete(key)).toBe(true);
      expect(await store.touch(key, Date.now() + MIN)).toBe(false); // cached value of a deleted key
      expect(await store.get(key)).toBeNull();
    });
  });

  it('a compare-and-set loop that keeps losing stops after maxCasAttempts with ConflictError', async () => {
    await withSibling({ maxCasAttempts: 1 }, async (once) => {
      const key = randomKey();
      await once.create(key, record());
      expect((await once.get(key))?.version).toBe(1); // once caches v1
      expect(await store.touch(key, Date.now() + 40 * MIN)).toBe(true); // still v1, another deadline
      // The cached v1 looks usable, its replaceIfSame fails, and no second round is allowed.
      await expect(once.update(key, record({ version: 2 }), 1)).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(key))?.version).toBe(1);
    });
  });

  it('expiry is decided by the injected clock', async () => {
    const clock = new ManualClock();
    await withSibling({ clock }, async (timed) => {
      const key = randomKey();
      expect(await timed.create(key, record({ expiresAt: clock.now() + MIN }))).toBe(true);
      expect((await timed.get(key))?.version).toBe(1);
      clock.advance(MIN);
      expect(await timed.get(key)).toBeNull();
      expect(await timed.touch(key, clock.now() + MIN)).toBe(false);
      expect(await store.get(key)).not.toBeNull(); // on the wall clock it is still live
    });
  });

  it('connect() is idempotent', async () => {
    await withSibling({}, async (twice) => {
      await twice.connect(); // connected once already
      expect(await twice.get(randomKey())).toBeNull();
    });
  });

  it('rejects oversize payloads before writing anything', async () => {
    await withSibling({ maxPayloadBytes: 16 }, async (small) => {
      const key = randomKey();
      await expect(small.create(key, record({ data: new Uint8Array(17) }))).rejects.toBeInstanceOf(
        PayloadTooLargeError,
      );
      expect(await store.get(key)).toBeNull();
    });
  });

  it('close() leaves a given client running; the closed store rejects further calls', async () => {
    const extra = await connectStore({ client, mapName: TEST_MAP, keyPrefix: store.keyPrefix });
    await extra.close();
    await expect(extra.get(randomKey())).rejects.toBeInstanceOf(StoreClosedError);
    expect(client.getLifecycleService().isRunning()).toBe(true);
    const key = randomKey();
    expect(await store.create(key, record())).toBe(true);
  });

  it('close() shuts down a client the store created', async () => {
    const own = await openStore({ keyPrefix: store.keyPrefix });
    const c = await own.client();
    await own.close();
    expect(c.getLifecycleService().isRunning()).toBe(false);
  });
});

describe('near cache', () => {
  let cached: HazelcastSessionStore;
  let plain: HazelcastSessionStore;
  beforeAll(async () => {
    const prefix = uniquePrefix('nc');
    cached = await openStore({ keyPrefix: prefix, nearCache: true });
    plain = await openStore({ keyPrefix: prefix });
  });
  afterAll(async () => {
    await cached?.close();
    await plain?.close();
  });

  it("'strong' reads bypass the near cache; 'eventual' reads converge through invalidation", {
    timeout: 60_000,
  }, async () => {
    const key = randomKey();
    await plain.create(key, record());
    expect((await cached.get(key))?.version).toBe(1); // now near-cached
    expect(await plain.update(key, record({ version: 2 }), 1)).toBe(true);
    expect((await cached.get(key, { consistency: 'strong' }))?.version).toBe(2);
    let seen = 0;
    // Members batch invalidation events (hazelcast.map.invalidation.batch.frequency.seconds, default 10 s).
    for (let i = 0; i < 400 && seen !== 2; i++) {
      seen = (await cached.get(key))?.version ?? 0;
      if (seen !== 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen, 'eventual read after the invalidation event').toBe(2);
    expect(await plain.delete(key)).toBe(true);
    expect(await cached.get(key, { consistency: 'strong' })).toBeNull();
  });

  it('writes through the near-cached store are seen by its own next read', async () => {
    const key = randomKey();
    await cached.create(key, record());
    expect((await cached.get(key))?.version).toBe(1);
    expect(await cached.update(key, record({ version: 2 }), 1)).toBe(true);
    expect((await cached.get(key))?.version).toBe(2);
  });
});

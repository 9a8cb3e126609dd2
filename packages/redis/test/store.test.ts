/** Redis-specific behaviour beyond the conformance suite: key layout, encoding, index upkeep, options. */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { ScanEntry } from '@sessionkit/core';
import {
  ConfigurationError,
  MAX_USER_ID_BYTES,
  ManualClock,
  SessionManager,
  StoreUnavailableError,
  sessionCodec,
} from '@sessionkit/core';
import { endpoints } from '@sessionkit/test-servers';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../src/index.js';
import { decodeRecord, encodeRecord, FIXED_HEADER_BYTES } from '../src/internal.js';
import { openStore, rawStandalone, session, sleep } from './helpers.js';

const prefix = () => `skr-${randomBytes(4).toString('hex')}:`;
const key = () => randomBytes(32).toString('base64url');

describe('RedisSessionStore on standalone Redis: layout and index upkeep', () => {
  let raw: Redis;
  beforeAll(() => {
    raw = rawStandalone();
  });
  afterAll(async () => {
    await raw.quit();
  });

  it('stores one binary-safe string per session under prefix + key, with a millisecond PX TTL', async () => {
    const p = prefix();
    const store = openStore('standalone', p);
    try {
      const k = key();
      const data = Uint8Array.from({ length: 256 }, (_, i) => i);
      const expiresAt = Date.now() + 90_000;
      expect(await store.create(k, session({ data, expiresAt }))).toBe(true);
      expect(await raw.type(p + k)).toBe('string');
      const value = await raw.getBuffer(p + k);
      expect(value!.length).toBe(FIXED_HEADER_BYTES + 256);
      const decoded = decodeRecord(value!)!;
      expect(Buffer.from(decoded.data).equals(Buffer.from(data))).toBe(true);
      expect(decoded.expiresAt).toBe(expiresAt);
      const pttl = await raw.pttl(p + k);
      expect(pttl).toBeGreaterThan(89_000);
      expect(pttl).toBeLessThanOrEqual(90_000);
      // Nothing else was written for an anonymous session.
      expect(await raw.keys(`${p}*`)).toEqual([p + k]);
    } finally {
      await store.close();
    }
  });

  it('indexes a user session in a ZSET scored beyond its deadline, with a TTL that covers it', async () => {
    const p = prefix();
    const store = openStore('standalone', p, { userIndexGraceMs: 120_000 });
    try {
      const k = key();
      const expiresAt = Date.now() + 60_000;
      await store.create(k, session({ userId: 'ann', expiresAt }));
      const indexKey = `${p}~user:ann`;
      expect(Number(await raw.zscore(indexKey, k))).toBe(expiresAt + 120_000);
      expect(await raw.pttl(indexKey)).toBeGreaterThan(170_000);
      // A touch within the indexed bound leaves the index alone; one beyond it raises the bound first.
      await store.touch(k, expiresAt + 100_000);
      expect(Number(await raw.zscore(indexKey, k))).toBe(expiresAt + 120_000);
      await store.touch(k, expiresAt + 200_000);
      expect(Number(await raw.zscore(indexKey, k))).toBe(expiresAt + 320_000);
      expect(decodeRecord((await raw.getBuffer(p + k))!)!.indexedUntil).toBe(expiresAt + 320_000);
      // The same for update, which also keeps the owner set at create whatever the caller sends.
      expect(await store.update(k, session({ version: 2, userId: 'mallory', expiresAt: expiresAt + 500_000 }), 1)).toBe(
        true,
      );
      expect(Number(await raw.zscore(indexKey, k))).toBe(expiresAt + 620_000);
      expect((await store.get(k))?.userId).toBe('ann');
      expect(await raw.exists(`${p}~user:mallory`)).toBe(0);
      await store.delete(k);
      expect(await raw.exists(indexKey)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('skips index entries whose session vanished, and prunes them once their score has passed', async () => {
    const p = prefix();
    const clock = new ManualClock();
    const store = openStore('standalone', p, { clock, userIndexGraceMs: 60_000 });
    try {
      const [gone, kept] = [key(), key()];
      await store.create(gone, session({ userId: 'bo', expiresAt: clock.now() + 30_000 }));
      await store.create(kept, session({ userId: 'bo', expiresAt: clock.now() + 3_600_000 }));
      // The record disappears behind the adapter's back (as after a crash between delete's two steps).
      await raw.del(p + gone);
      expect((await store.listByUser('bo')).map((e) => e.key)).toEqual([kept]);
      expect(await store.deleteByUser('bo')).toBe(1);
      // deleteByUser leaves the entry of a missing record (it may be a create in flight) ...
      expect(await raw.zscore(`${p}~user:bo`, gone)).not.toBeNull();
      // ... and the next index write after its score (deadline + grace) has passed prunes it.
      clock.advance(30_000 + 60_000 + 1);
      await store.create(key(), session({ userId: 'bo', expiresAt: clock.now() + 60_000 }));
      expect(await raw.zscore(`${p}~user:bo`, gone)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('reads, updates and touches a record compressed by version 0.1 (format 2), and writes it back verbatim', async () => {
    const p = prefix();
    const store = openStore('standalone', p);
    try {
      const k = key();
      const json = new TextEncoder().encode(
        JSON.stringify({ cart: Array.from({ length: 30 }, (_, i) => ({ sku: `SKU-${i}`, qty: i })) }),
      );
      const expiresAt = Date.now() + 60_000;
      // The value 0.1 stored by default: the current layout with format byte 2 and deflate-raw data.
      const plain = encodeRecord({ data: new Uint8Array(0), version: 1, expiresAt, userId: 'gus' }, 0);
      plain[0] = 2;
      await raw.set(p + k, Buffer.concat([plain, deflateRawSync(json)]), 'PX', 60_000);
      const got = (await store.get(k))!;
      expect(Buffer.from(got.data).equals(Buffer.from(json))).toBe(true);
      expect(got).toMatchObject({ version: 1, expiresAt, userId: 'gus' });
      expect(await store.touch(k, expiresAt + 1_000)).toBe(true);
      expect((await store.get(k))?.expiresAt).toBe(expiresAt + 1_000);
      expect(await store.update(k, session({ version: 2, data: json, userId: 'gus', expiresAt }), 1)).toBe(true);
      const stored = (await raw.getBuffer(p + k))!;
      expect(stored[0], 'format byte after the update').toBe(1);
      expect(Buffer.from(decodeRecord(stored)!.data).equals(Buffer.from(json))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("compression is core's codec layer: a SessionManager with sessionCodec({ compression }) stores 1 KiB of JSON in less than half", async () => {
    const p = prefix();
    const store = openStore('standalone', `${p}deflate:`);
    const plainStore = openStore('standalone', `${p}plain:`);
    try {
      const cart = Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: i % 4 }));
      const options = { idleTimeout: 60_000, absoluteTimeout: 3_600_000 };
      const compressed = new SessionManager({ store, codec: sessionCodec({ compression: {} }), ...options });
      const plain = new SessionManager({ store: plainStore, ...options });
      const sizeOf = async (manager: SessionManager, storePrefix: string) => {
        const s = manager.create();
        s.set('cart', cart);
        await manager.commit(s);
        const keys = await raw.keys(`${storePrefix}*`);
        expect(keys).toHaveLength(1);
        expect((await manager.load(s.id))?.get('cart')).toEqual(cart);
        return (await raw.getBuffer(keys[0]!))!.length;
      };
      const plainBytes = await sizeOf(plain, `${p}plain:`);
      expect(plainBytes).toBeGreaterThan(1024);
      expect(await sizeOf(compressed, `${p}deflate:`)).toBeLessThan(plainBytes / 2);
    } finally {
      await Promise.all([store.close(), plainStore.close()]);
    }
  });

  it('reloads its scripts after SCRIPT FLUSH (EVALSHA falls back on NOSCRIPT)', async () => {
    const store = openStore('standalone', prefix());
    try {
      const k = key();
      await store.create(k, session({ userId: 'cy' }));
      await raw.script('FLUSH');
      expect(await store.update(k, session({ version: 2, userId: 'cy' }), 1)).toBe(true);
      await raw.script('FLUSH');
      expect(await store.touch(k, Date.now() + 120_000)).toBe(true);
      await raw.script('FLUSH');
      expect(await store.delete(k)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('uses a client it is given and leaves it open on close()', async () => {
    const client = new Redis(endpoints.redis.url);
    const store = new RedisSessionStore({ client, keyPrefix: prefix() });
    try {
      expect(store.client).toBe(client);
      const k = key();
      await store.create(k, session());
      expect(await store.get(k)).not.toBeNull();
      await store.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('closes the client it created', async () => {
    const store = openStore('standalone', prefix());
    await store.get(key());
    await store.close();
    await sleep(50);
    expect(['end', 'close']).toContain(store.client.status);
  });

  it('rejects bad options with ConfigurationError', () => {
    const bad = [
      {},
      { connection: {}, cluster: { nodes: endpoints.redisCluster.nodes } },
      { connection: {}, readFromReplicas: true },
      { connection: {}, operationTimeoutMs: 0 },
      { connection: {}, userIndexGraceMs: 1_000 },
      { connection: {}, keyPrefix: 'a:', userIndexPrefix: 'a:' },
      { connection: {}, waitForReplicas: { replicas: 1, timeoutMs: 5_000 } },
      { cluster: { nodes: [] } },
    ];
    for (const options of bad) {
      expect(
        () => new RedisSessionStore({ ...options, connection: options.connection && { lazyConnect: true } }),
        JSON.stringify(options),
      ).toThrow(ConfigurationError);
    }
  });

  it("rejects an empty userId or one over core's 256 UTF-8 bytes before writing, and stores one of 256", async () => {
    const store = openStore('standalone', prefix());
    try {
      await expect(store.create(key(), session({ userId: '' }))).rejects.toBeInstanceOf(ConfigurationError);
      await expect(
        store.create(key(), session({ userId: 'é'.repeat(MAX_USER_ID_BYTES / 2 + 1) })),
      ).rejects.toBeInstanceOf(ConfigurationError);
      await expect(store.listByUser('x'.repeat(MAX_USER_ID_BYTES + 1))).rejects.toBeInstanceOf(ConfigurationError);
      const longest = 'é'.repeat(MAX_USER_ID_BYTES / 2);
      const k = key();
      expect(await store.create(k, session({ userId: longest }))).toBe(true);
      expect((await store.get(k))?.userId).toBe(longest);
      expect((await store.listByUser(longest)).map((e) => e.key)).toEqual([k]);
    } finally {
      await store.close();
    }
  });
});

describe('RedisSessionStore behind Sentinel: replica reads and WAIT', () => {
  it("answers 'eventual' reads from the replica and 'strong' reads from the master", async () => {
    const store = openStore('sentinel', prefix(), { readFromReplicas: true });
    try {
      expect(store.capabilities.strongReads).toBe(true);
      const k = key();
      await store.create(k, session({ userId: 'di' }));
      expect((await store.get(k, { consistency: 'strong' }))?.version).toBe(1);
      // The replica catches up asynchronously; it must get there.
      let seen = null;
      for (let i = 0; i < 50 && seen === null; i++) {
        seen = await store.get(k, { consistency: 'eventual' });
        if (seen === null) await sleep(20);
      }
      expect(seen?.version).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('waitForReplicas: writes succeed when the replica acknowledges, and fail typed when too few can', async () => {
    const ok = openStore('sentinel', prefix(), { waitForReplicas: { replicas: 1, timeoutMs: 500 } });
    const tooMany = openStore('sentinel', prefix(), { waitForReplicas: { replicas: 3, timeoutMs: 200 } });
    try {
      const k = key();
      expect(await ok.create(k, session({ userId: 'ed' }))).toBe(true);
      expect(await ok.update(k, session({ version: 2, userId: 'ed' }), 1)).toBe(true);
      expect(await ok.delete(k)).toBe(true);
      const error = await tooMany.create(key(), session()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).store).toBe('redis');
      expect((error as Error).message).toMatch(/replicas acknowledged/);
    } finally {
      await Promise.all([ok.close(), tooMany.close()]);
    }
  });
});

describe('RedisSessionStore on Redis Cluster', () => {
  it("spreads one user's sessions over slots and still lists and deletes them all", async () => {
    const p = prefix();
    const store = openStore('cluster', p);
    try {
      const keys = Array.from({ length: 12 }, key);
      for (const k of keys) await store.create(k, session({ userId: 'fay' }));
      const cluster = store.client;
      const slots = new Set(await Promise.all(keys.map((k) => cluster.call('CLUSTER', 'KEYSLOT', `${p}${k}`))));
      expect(slots.size).toBeGreaterThan(1);
      expect((await store.listByUser('fay')).map((e) => e.key).sort()).toEqual([...keys].sort());
      expect(await store.deleteByUser('fay')).toBe(12);
      expect(await store.listByUser('fay')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("answers 'eventual' reads from replicas with readFromReplicas", async () => {
    const store = openStore('cluster', prefix(), { readFromReplicas: true });
    try {
      const k = key();
      await store.create(k, session());
      let seen = null;
      for (let i = 0; i < 50 && seen === null; i++) {
        seen = await store.get(k);
        if (seen === null) await sleep(20);
      }
      expect(seen?.version).toBe(1);
      expect((await store.get(k, { consistency: 'strong' }))?.version).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('RedisSessionStore.scan', () => {
  /** Every entry of a full scan, its keys, and the cursors it went through. */
  async function scanAll(store: RedisSessionStore, limit: number) {
    const entries: ScanEntry[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan({ cursor, limit });
      entries.push(...page.entries);
      cursor = page.cursor;
      if (cursor !== undefined) cursors.push(cursor);
    } while (cursor !== undefined);
    return { entries, keys: entries.map((e) => e.key), cursors };
  }

  it('lists session keys only: not the user index, not foreign values, not the prefix with its glob characters taken as a pattern', async () => {
    const raw = rawStandalone();
    const p = `skr-${randomBytes(4).toString('hex')}:[a*]?`;
    const store = openStore('standalone', p);
    // A key the pattern would match if the prefix's `[a*]?` were taken as a glob.
    const decoy = `${p.slice(0, -5)}a-x${key()}`;
    try {
      const [anonymous, owned, compressed] = [key(), key(), key()];
      await store.create(anonymous, session());
      await store.create(owned, session({ userId: 'ann' }));
      await store.create(compressed, session({ data: new TextEncoder().encode('{"cart":[]}'.repeat(200)) }));
      expect(await raw.type(`${p}~user:ann`)).toBe('zset');
      await raw.set(`${p}foreign`, 'not a session record', 'PX', 60_000);
      await raw.set(decoy, 'x', 'PX', 60_000);
      const { keys, entries } = await scanAll(store, 2);
      expect(keys.sort()).toEqual([anonymous, owned, compressed].sort());
      const listed = entries.find((e) => e.key === compressed)!.session;
      expect(new TextDecoder().decode(listed.data)).toBe('{"cart":[]}'.repeat(200));
    } finally {
      await raw.del(`${p}foreign`, decoy);
      await raw.quit();
      await store.close();
    }
  });

  it('walks every Cluster master in turn, with a cursor naming the lowest slot of the master being walked', async () => {
    const p = prefix();
    const store = openStore('cluster', p);
    try {
      const keys = Array.from({ length: 60 }, () => key());
      for (const k of keys) await store.create(k, session());
      const { keys: listed, cursors } = await scanAll(store, 5);
      expect(listed.sort()).toEqual([...keys].sort());
      const slots = new Set(cursors.map((c) => Number(c.split(':')[0])));
      expect(slots.size, 'masters walked').toBe(3);
      await expect(store.scan({ cursor: '16384:0' })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(store.scan({ cursor: '0' })).rejects.toBeInstanceOf(ConfigurationError);
    } finally {
      await store.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigurationError, ManualClock, MemoryStore, PayloadTooLargeError, StoreClosedError } from '../src/index.js';

const record = (expiresAt: number, userId?: string) => ({ data: new Uint8Array([1]), version: 1, expiresAt, userId });

describe('MemoryStore specifics', () => {
  it('evicts the least recently written session when full, and counts it', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ maxSessions: 3, clock });
    for (const key of ['a', 'b', 'c']) await store.create(key, record(1000, 'u'));
    await store.touch('a', 2000); // 'a' is now the most recently written
    await store.create('d', record(1000, 'u'));
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    expect(store.stats).toMatchObject({ entries: 3, evictions: 1 });
    expect((await store.listByUser('u')).map((e) => e.key).sort()).toEqual(['a', 'c', 'd']);
  });

  it('keeps write order through updates, touches and deletes anywhere in it: evicts oldest-written first', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ maxSessions: 5, clock });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await store.create(key, record(1000));
    expect(await store.update('a', { data: new Uint8Array([2]), version: 2, expiresAt: 1000 }, 1)).toBe(true);
    await store.touch('c', 1500);
    await store.delete('d'); // from the middle
    await store.delete('e'); // the newest at the time
    // Write order now, oldest first: b, a, c. Three creates fill the two free places and evict one.
    for (const key of ['f', 'g', 'h']) await store.create(key, record(1000));
    expect(await store.get('b')).toBeNull();
    await store.create('i', record(1000));
    expect(await store.get('a')).toBeNull();
    expect((await Promise.all(['c', 'f', 'g', 'h', 'i'].map((k) => store.get(k)))).every((r) => r !== null)).toBe(true);
    expect(store.stats).toMatchObject({ entries: 5, evictions: 2 });
    // Deleting everything and starting over leaves a consistent, empty order.
    for (const key of ['c', 'f', 'g', 'h', 'i']) await store.delete(key);
    await store.create('j', record(1000));
    expect(store.stats).toMatchObject({ entries: 1, evictions: 2 });
  });

  it('an update racing its own deadline never brings an expired entry back', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    await store.create('k', record(100, 'u'));
    clock.advance(100);
    expect(await store.update('k', { data: new Uint8Array([2]), version: 2, expiresAt: 1000 }, 1)).toBe(false);
    expect(await store.get('k')).toBeNull();
    expect(await store.listByUser('u')).toEqual([]);
  });

  it('copies handed out by get stay as they were read, whatever is written or read next', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    const bytes = (fill: number, size = 1024) => new Uint8Array(size).fill(fill);
    await store.create('k', { data: bytes(1), version: 1, expiresAt: 1000 });
    await store.create('other', { data: bytes(9, 100), version: 1, expiresAt: 1000 });
    const first = (await store.get('k'))!;
    // A same-size update rewrites the stored bytes in place; a different size replaces them.
    expect(await store.update('k', { data: bytes(2), version: 2, expiresAt: 1000 }, 1)).toBe(true);
    const second = (await store.get('k'))!;
    expect(await store.update('k', { data: bytes(3, 2048), version: 3, expiresAt: 1000 }, 2)).toBe(true);
    const reads = await Promise.all(Array.from({ length: 200 }, () => store.get('other')));
    first.data.fill(7); // mutating a copy changes nothing stored
    expect([...new Set(first.data)]).toEqual([7]);
    expect([...new Set(second.data)]).toEqual([2]);
    expect(second.data.byteLength).toBe(1024);
    expect(reads.every((r) => r!.data.byteLength === 100 && r!.data.every((b) => b === 9))).toBe(true);
    const last = (await store.get('k'))!;
    expect(last.version).toBe(3);
    expect(last.data.byteLength).toBe(2048);
    expect(last.data.every((b) => b === 3)).toBe(true);
  });

  it('purges expired entries on later writes without any timer', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    for (let i = 0; i < 5; i++) await store.create(`old${i}`, record(100));
    clock.advance(200);
    await store.create('fresh', record(1000));
    expect(store.stats).toMatchObject({ entries: 1, expired: 5, evictions: 0 });
  });

  it('prefers dropping expired entries over evicting live ones', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ maxSessions: 2, clock });
    await store.create('dead', record(10));
    await store.create('live', record(1000));
    clock.advance(20);
    await store.create('new', record(1000));
    expect(await store.get('live')).not.toBeNull();
    expect(store.stats.evictions).toBe(0);
  });

  it('validates its options and payloads, and refuses calls after close', async () => {
    expect(() => new MemoryStore({ maxSessions: 0 })).toThrow(ConfigurationError);
    const store = new MemoryStore({ maxPayloadBytes: 4 });
    await expect(store.create('k', { ...record(Date.now() + 1000), data: new Uint8Array(5) })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(await store.get('k')).toBeNull();
    await store.close();
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('MemoryStore scan', () => {
  /** Every key a full scan lists, in order, with the page sizes it took. */
  async function scanAll(store: MemoryStore, limit: number, between?: (page: number) => Promise<void>) {
    const keys: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.scan({ cursor, limit });
      expect(page.entries.length).toBeLessThanOrEqual(limit);
      keys.push(...page.entries.map((e) => e.key));
      cursor = page.cursor;
      await between?.(++pages);
    } while (cursor !== undefined);
    return { keys, pages };
  }

  it('lists live records in creation order, limit pairs per call, with the record get returns', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await store.create(key, record(1000, key === 'c' ? 'u' : undefined));
    await store.update('b', { data: new Uint8Array([7]), version: 2, expiresAt: 2000 }, 1);
    const first = await store.scan({ limit: 2 });
    expect(first.entries).toEqual([
      { key: 'a', session: await store.get('a') },
      { key: 'b', session: await store.get('b') },
    ]);
    expect((await scanAll(store, 2)).keys).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await store.scan({ limit: 5 })).cursor).toBeUndefined();
    expect((await store.scan()).entries.find((e) => e.key === 'c')?.session.userId).toBe('u');
  });

  it('skips deleted and expired records and purges the expired ones', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    await store.create('short', record(100));
    await store.create('gone', record(1000));
    await store.create('kept', record(1000));
    await store.delete('gone');
    clock.advance(100);
    expect((await scanAll(store, 1)).keys).toEqual(['kept']);
    expect(store.stats).toMatchObject({ entries: 1, expired: 1 });
  });

  it('a record live for the whole scan is listed exactly once, whatever is written between pages', async () => {
    const clock = new ManualClock(0);
    const store = new MemoryStore({ clock });
    const stable = Array.from({ length: 30 }, (_, i) => `s${i}`);
    for (const key of stable) await store.create(key, record(10_000));
    const { keys } = await scanAll(store, 4, async (page) => {
      // Writes that reorder the write-order list, deletes and re-creates under a listed key.
      await store.touch(stable[29 - page]!, 20_000);
      await store.create(`new${page}`, record(10_000));
      await store.delete(`new${page - 1}`);
    });
    for (const key of stable) expect(keys.filter((k) => k === key)).toHaveLength(1);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('compacts its creation log, and a cursor taken before the compaction still resumes in place', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10; i++) await store.create(`keep${i}`, record(Date.now() + 60_000));
    const page = await store.scan({ limit: 5 });
    expect(page.entries.map((e) => e.key)).toEqual(['keep0', 'keep1', 'keep2', 'keep3', 'keep4']);
    // Over 1024 stale pairs force a compaction of the log.
    for (let i = 0; i < 1500; i++) {
      await store.create(`tmp${i}`, record(Date.now() + 60_000));
      await store.delete(`tmp${i}`);
    }
    const rest: string[] = [];
    let cursor = page.cursor;
    while (cursor !== undefined) {
      const next = await store.scan({ cursor, limit: 1000 });
      rest.push(...next.entries.map((e) => e.key));
      cursor = next.cursor;
    }
    expect(rest).toEqual(['keep5', 'keep6', 'keep7', 'keep8', 'keep9']);
  });

  it('refuses a malformed cursor or limit, and rejects once closed', async () => {
    const store = new MemoryStore();
    expect(store.capabilities.scan).toBe(true);
    for (const cursor of ['', '0', '-1', 'abc', '1.5', '99999999999999999']) {
      await expect(store.scan({ cursor })).rejects.toBeInstanceOf(ConfigurationError);
    }
    for (const limit of [0, -1, 1.5, 1001])
      await expect(store.scan({ limit })).rejects.toBeInstanceOf(ConfigurationError);
    expect(await store.scan({ cursor: '12345' })).toEqual({ entries: [], cursor: undefined });
    await store.close();
    await expect(store.scan()).rejects.toBeInstanceOf(StoreClosedError);
  });
});

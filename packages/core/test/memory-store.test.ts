import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryStore, StoreClosedError, ConfigurationError, PayloadTooLargeError } from '../src/index.js';

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

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

import { describe, expect, it } from 'vitest';
import type { StoredSession } from '../src/index.js';
import { NearCache } from '../src/index.js';

const record = (version: number, expiresAt: number, userId?: string): StoredSession => ({
  data: new Uint8Array([version, 1, 2, 3]),
  version,
  expiresAt,
  ...(userId === undefined ? {} : { userId }),
});

/** Reads `key` through the cache the way an adapter does: a miss starts a backend read that fills it. */
function fill(cache: NearCache, key: string, session: StoredSession | null | undefined, now: number): void {
  cache.finishRead(cache.beginRead(key), session, now);
}

describe('NearCache', () => {
  it('serves a filled entry until maxAgeMs has passed, and never past the session deadline', () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    fill(cache, 'a', record(1, 10_000), 0);
    fill(cache, 'b', record(1, 500, 'u1'), 0);
    expect(cache.get('a', 999)?.version).toBe(1);
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.get('b', 499)?.userId).toBe('u1');
    expect(cache.get('b', 500)).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 2, misses: 2, entries: 0 });
  });

  it('hands out copies: mutating what a hit returned does not change the next hit', () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    const original = record(1, 10_000);
    fill(cache, 'a', original, 0);
    original.data[0] = 99; // the caller's own buffer, after the fill
    const first = cache.get('a', 1)!;
    first.data[1] = 42;
    expect(Array.from(cache.get('a', 2)!.data)).toEqual([1, 1, 2, 3]);
  });

  it('does not cache misses or failures', () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    fill(cache, 'a', null, 0);
    fill(cache, 'b', undefined, 0);
    expect(cache.stats.entries).toBe(0);
  });

  it('a read in flight when its key is invalidated does not fill the cache; a read begun after does', () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    const early = cache.beginRead('a');
    const alsoEarly = cache.beginRead('a');
    cache.invalidate('a'); // e.g. another process wrote 'a' while both reads were on the wire
    const late = cache.beginRead('a');
    cache.finishRead(early, record(1, 10_000), 0);
    cache.finishRead(alsoEarly, record(1, 10_000), 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.stats.discardedFills).toBe(2);
    cache.finishRead(late, record(2, 10_000), 0);
    expect(cache.get('a', 1)?.version).toBe(2);
  });

  it('clear() drops every entry and every read in flight', () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    fill(cache, 'a', record(1, 10_000), 0);
    const pending = cache.beginRead('b');
    cache.clear();
    cache.finishRead(pending, record(1, 10_000), 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest-filled first', () => {
    const cache = new NearCache({ maxAgeMs: 1_000, maxEntries: 2 });
    fill(cache, 'a', record(1, 10_000), 0);
    fill(cache, 'b', record(1, 10_000), 0);
    fill(cache, 'a', record(2, 10_000), 0); // refilled: now the newest
    fill(cache, 'c', record(1, 10_000), 0);
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('a', 1)?.version).toBe(2);
    expect(cache.get('c', 1)?.version).toBe(1);
    expect(cache.stats.entries).toBe(2);
  });

  it('readThrough: a load that overlaps a writeThrough of the same key is not cached', async () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let backend = record(1, 10_000);
    // The load reads the old value, then stalls on the wire while the write lands.
    const reading = cache.readThrough(
      'a',
      () => 0,
      async () => {
        const seen = backend;
        await gate;
        return seen;
      },
    );
    await cache.writeThrough('a', async () => {
      backend = record(2, 10_000);
    });
    release();
    expect((await reading)?.version).toBe(1); // ordered before the write: fine to return
    expect(
      await cache.readThrough(
        'a',
        () => 0,
        async () => backend,
      ),
    ).toMatchObject({ version: 2 }); // not the stale 1
    expect(cache.stats).toMatchObject({ discardedFills: 1, hits: 0 });
    expect(
      (
        await cache.readThrough(
          'a',
          () => 1,
          async () => record(3, 10_000),
        )
      )?.version,
    ).toBe(2); // now a hit
  });

  it('writeThrough invalidates even when the write fails', async () => {
    const cache = new NearCache({ maxAgeMs: 1_000 });
    fill(cache, 'a', record(1, 10_000), 0);
    await expect(cache.writeThrough('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.get('a', 1)).toBeUndefined();
  });
});

/**
 * The near cache (`nearCache: true`) against the real servers: it answers repeated 'eventual' reads without
 * a round trip, and every change made through another process reaches it through Redis's invalidation
 * reports. The whole conformance suite also runs with it on (conformance.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError, ManualClock } from '@sessionkit/core';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisSessionStore } from '../src/index.js';
import type { Topology } from './helpers.js';
import { fillCache, openNearCachedStore, openStore, rawStandalone, session, until } from './helpers.js';

const stores: RedisSessionStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** A store with the near cache (live) and a plain one on the same prefix: "this process" and "another". */
async function pair(
  extra: Parameters<typeof openStore>[2] = {},
  topology: Topology = 'standalone',
): Promise<{ near: RedisSessionStore; other: RedisSessionStore }> {
  const prefix = `nc-${randomBytes(4).toString('hex')}:`;
  const near = await openNearCachedStore(topology, prefix, {
    name: `nc-test-${randomBytes(3).toString('hex')}`,
    ...extra,
  });
  const other = openStore(topology, prefix);
  stores.push(near, other);
  return { near, other };
}

const key = () => randomBytes(32).toString('hex');

describe('RedisSessionStore near cache', () => {
  it('answers a repeated eventual read from process memory, and a strong read from Redis', async () => {
    const { near, other } = await pair();
    const k = key();
    await near.create(k, session({ version: 1 }));
    await fillCache(near, k);
    const hits = near.nearCacheStats.hits;
    expect((await near.get(k))?.version).toBe(1);
    expect(near.nearCacheStats).toMatchObject({ hits: hits + 1, entries: 1, live: true });
    // Another process writes; a strong read sees it at once, whatever the cache holds.
    expect(await other.update(k, session({ version: 2 }), 1)).toBe(true);
    expect((await near.get(k, { consistency: 'strong' }))?.version).toBe(2);
  });

  it.each(['standalone', 'sentinel', 'cluster'] as const)(
    "%s: sees another process's update, touch and delete as soon as Redis reports them",
    async (topology) => {
      const { near, other } = await pair({}, topology);
      const k = key();
      await other.create(k, session({ version: 1, userId: 'u1' }));
      await fillCache(near, k);

      await other.update(k, session({ version: 2 }), 1);
      await until(async () => (await near.get(k))?.version === 2, 2_000, 'the update to reach the near cache');

      const later = Date.now() + 20 * 60_000;
      expect(await other.touch(k, later)).toBe(true);
      await until(async () => (await near.get(k))?.expiresAt === later, 2_000, 'the touch to reach the near cache');

      await other.delete(k);
      await until(async () => (await near.get(k)) === null, 2_000, 'the delete to reach the near cache');
      expect(near.nearCacheStats.invalidations).toBeGreaterThanOrEqual(3);
    },
  );

  it("reads its own writes at once, without waiting for Redis's report", async () => {
    const { near } = await pair();
    const k = key();
    await near.create(k, session({ version: 1, userId: 'u2' }));
    expect((await near.get(k))?.version).toBe(1);
    expect(await near.update(k, session({ version: 2 }), 1)).toBe(true);
    expect((await near.get(k))?.version).toBe(2);
    expect(await near.delete(k)).toBe(true);
    expect(await near.get(k)).toBeNull();

    const [a, b] = [key(), key()];
    await near.create(a, session({ userId: 'u3' }));
    await near.create(b, session({ userId: 'u3' }));
    expect(await near.get(a)).not.toBeNull();
    expect(await near.get(b)).not.toBeNull();
    expect(await near.deleteByUser('u3')).toBe(2);
    expect(await near.get(a)).toBeNull();
    expect(await near.get(b)).toBeNull();
  });

  it('never keeps a stale value: readers racing another writer end on the final version (200 rounds)', async () => {
    const { near, other } = await pair();
    const k = key();
    await other.create(k, session({ version: 1 }));
    for (let version = 1; version < 200; version++) {
      // Reads in flight while the write lands: some replies left Redis before it, some after.
      const reads = Array.from({ length: 4 }, () => near.get(k));
      expect(await other.update(k, session({ version: version + 1 }), version)).toBe(true);
      await Promise.all(reads);
    }
    await until(async () => (await near.get(k))?.version === 200, 2_000, 'the last version to be served');
    // Once there, it stays there: the cache holds the current version, not an older one.
    for (let i = 0; i < 20; i++) expect((await near.get(k))?.version).toBe(200);
    expect(near.nearCacheStats.hits).toBeGreaterThan(0);
  });

  it('when its invalidation connection drops, the cache is cleared and bypassed until it is back', async () => {
    const { near, other } = await pair();
    const k = key();
    await other.create(k, session({ version: 1 }));
    await fillCache(near, k);
    expect(near.nearCacheStats.entries).toBe(1);

    const admin = rawStandalone();
    try {
      // Only this store's feed (named after the store), not the feeds of suites running alongside.
      const name = `${near.name}:invalidation`;
      const line = ((await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string)
        .split('\n')
        .find((l) => l.includes(` name=${name} `));
      const id = /^id=(\d+)/.exec(line ?? '')?.[1];
      expect(id, `a pubsub connection named ${name}`).toBeDefined();
      expect(Number(await admin.call('CLIENT', 'KILL', 'ID', id!))).toBe(1);
      await until(() => !near.nearCacheStats.live, 2_000, 'the feed to notice the drop');
      expect(near.nearCacheStats.entries).toBe(0);
      // A change made while nobody reports it must still be seen.
      await other.update(k, session({ version: 2 }), 1);
      expect((await near.get(k))?.version).toBe(2);
      expect(near.nearCacheStats.entries).toBe(0); // bypassed, not filled

      await until(() => near.nearCacheStats.live, 5_000, 'the feed to come back');
      expect((await admin.call('CLIENT', 'LIST')) as string).toContain(`name=${name}`);
      expect((await near.get(k))?.version).toBe(2);
      await other.update(k, session({ version: 3 }), 2);
      await until(async () => (await near.get(k))?.version === 3, 2_000, 'reports to flow again');
    } finally {
      await admin.quit();
    }
  });

  it('serves an entry for at most maxAgeMs, even without any report', async () => {
    const clock = new ManualClock(Date.now());
    const { near } = await pair({ nearCache: { maxAgeMs: 1_000 }, clock });
    const k = key();
    await near.create(k, session({ version: 1, expiresAt: clock.now() + 60_000 }));
    await fillCache(near, k);
    const { hits, misses } = near.nearCacheStats;
    clock.advance(999);
    await near.get(k);
    clock.advance(1);
    await near.get(k);
    expect(near.nearCacheStats).toMatchObject({ hits: hits + 1, misses: misses + 1 });
  });

  it('on Cluster, follows every master: a dropped feed to one of them turns the cache off until it is back', async () => {
    const { near, other } = await pair({}, 'cluster');
    const k = key();
    await other.create(k, session({ version: 1 }));
    await fillCache(near, k);
    const nodes = (other.client as Cluster).nodes('master');
    expect(nodes.length).toBe(3);
    const name = `${near.name}:invalidation`;
    let killed = 0;
    for (const node of nodes) {
      const admin = new Redis({ host: node.options.host, port: node.options.port });
      try {
        const line = ((await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string)
          .split('\n')
          .find((l) => l.includes(` name=${name} `));
        const id = /^id=(\d+)/.exec(line ?? '')?.[1];
        expect(id, `a feed on every master (${node.options.port})`).toBeDefined();
        if (killed === 0) killed = Number(await admin.call('CLIENT', 'KILL', 'ID', id!));
      } finally {
        await admin.quit();
      }
    }
    expect(killed).toBe(1);
    await until(() => !near.nearCacheStats.live, 2_000, 'the cache to turn off');
    expect(near.nearCacheStats.entries).toBe(0);
    await other.update(k, session({ version: 2 }), 1);
    expect((await near.get(k))?.version).toBe(2);
    await until(() => near.nearCacheStats.live, 5_000, 'the feed to come back');
    await fillCache(near, k);
    await other.update(k, session({ version: 3 }), 2);
    await until(async () => (await near.get(k))?.version === 3, 2_000, 'reports to flow again');
  });

  it('rejects the near cache where reports could miss changes: replica reads, bad bounds', () => {
    expect(() => openStore('sentinel', 'x:', { nearCache: true, readFromReplicas: true })).toThrow(ConfigurationError);
    expect(() => openStore('cluster', 'x:', { nearCache: true, readFromReplicas: true })).toThrow(ConfigurationError);
    expect(() => openStore('standalone', 'x:', { nearCache: { maxAgeMs: 0 } })).toThrow(ConfigurationError);
    expect(() => openStore('standalone', 'x:', { nearCache: { maxEntries: 1.5 } })).toThrow(ConfigurationError);
  });
});

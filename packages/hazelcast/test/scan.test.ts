/**
 * `scan` at scale on the 2-member test cluster: a map of its own (destroyed afterwards) seeded with a few
 * thousand records plus another prefix's, expired ones and a foreign value, walked with small limits (every
 * key once, pages within the limit), resumed by another client, and timed with limit 1000 (a `[figures]` line).
 */
import { expectOnceEach, scanAll } from '@sessionkit/conformance';
import { ConfigurationError, generateSessionId, hashSessionId, mapLimit } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HazelcastSessionStore } from '../src/index.js';
import { encodeRecord } from '../src/internal.js';
import { openStore } from './helpers.js';

const MAP = `sessionkit-scan-test-${Math.random().toString(36).slice(2, 10)}`;
const PREFIX = 'scan:';
const OTHER_PREFIX = 'scan-other:';
const LIVE = 3000;
const newKey = (): string => hashSessionId(generateSessionId());
const record = (i: number, expiresAt: number) => ({
  data: new TextEncoder().encode(`{"n":${i}}`),
  version: 1 + (i % 3),
  expiresAt,
  ...(i % 4 === 0 ? { userId: `user-${i % 50}` } : {}),
});

const keys: string[] = [];
let store: HazelcastSessionStore;
let other: HazelcastSessionStore;

beforeAll(async () => {
  store = await openStore({ mapName: MAP, keyPrefix: PREFIX });
  other = await openStore({ mapName: MAP, keyPrefix: OTHER_PREFIX });
  const future = Date.now() + 30 * 60_000;
  for (let i = 0; i < LIVE; i++) keys.push(newKey());
  await mapLimit(keys, 32, (k) => store.create(k, record(keys.indexOf(k), future)));
  await mapLimit(
    Array.from({ length: 200 }, (_, i) => i),
    32,
    (i) => other.create(newKey(), record(i, future)),
  );
  const map = await store.map();
  // Held by the member past its expiresAt (as in the second before the native TTL purges it), and a value of
  // another application under our prefix (JSON: a plain string cannot enter a map with the userId index, the
  // member fails to index it): neither is a live session.
  for (let i = 0; i < 50; i++) await map.set(PREFIX + newKey(), encodeRecord(record(i, Date.now() - 1)).raw, 60_000);
  await map.set(`${PREFIX}foreign`, { note: 'not a session' }, 60_000);
}, 120_000);

afterAll(async () => {
  await (await store?.map())?.destroy();
  await other?.close();
  await store?.close();
});

describe('HazelcastSessionStore.scan at scale', () => {
  it(`lists each of ${LIVE} live records exactly once with limit 7, every page within the limit`, async () => {
    const walk = await scanAll(store, 7);
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.entries.length, 'nothing else listed (other prefix, expired, foreign value)').toBe(LIVE);
    expect(walk.largestPage, 'largest page').toBeLessThanOrEqual(7);
    // 3,051 entries under the prefix, 7 per query.
    expect(walk.pages).toBe(Math.ceil(3051 / 7));
  });

  it('lists every record as get returns it, in key order', async () => {
    const walk = await scanAll(store, 250);
    const listed = walk.entries.map((e) => e.key);
    expect(listed, 'key order').toEqual([...listed].sort());
    for (const { key, session } of walk.entries.filter((_, i) => i % 100 === 0)) {
      expect(session).toEqual(await store.get(key, { consistency: 'strong' }));
    }
  });

  it('resumes from a cursor in another client (as after a restart)', async () => {
    const first = await store.scan({ limit: 500 });
    const again = await openStore({ mapName: MAP, keyPrefix: PREFIX });
    try {
      expect(first.cursor).toBeDefined();
      const rest = await scanAll(again, 500, undefined, first.cursor);
      expectOnceEach([...first.entries, ...rest.entries], keys, 'records listed across the two clients');
    } finally {
      await again.close();
    }
  });

  it('refuses malformed cursors with ConfigurationError', async () => {
    for (const cursor of ['x', 'k1', 'k1.!', 'k1.YR', 'k2.YQ']) {
      await expect(store.scan({ cursor }), cursor).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('measures records/s with limit 1000', async () => {
    const started = performance.now();
    const walk = await scanAll(store, 1000);
    const ms = performance.now() - started;
    expectOnceEach(walk.entries, keys, 'records listed');
    expect(walk.largestPage).toBeLessThanOrEqual(1000);
    console.log(
      `[figures] hazelcast scan (2 members, map of 3,251 entries): ${walk.entries.length} records in ${walk.pages} ` +
        `pages of limit 1000, ${ms.toFixed(0)} ms, ${Math.round((walk.entries.length / ms) * 1000)} records/s`,
    );
    expect(walk.entries.length).toBe(LIVE);
  });
});

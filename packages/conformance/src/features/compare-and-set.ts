/**
 * `compare-and-set`: `update` replaces a record only at the expected version.
 *
 * @module
 */
import { expect } from 'vitest';
import { assertSameBytes, mustGet, mustMiss, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** Matching version: the update lands, with the new data, version and deadline. */
export const matchCheck: Check = {
  id: 'match',
  title: 'update at the expected version resolves true and stores data, version and expiresAt',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const next = record({ version: 2, ttlMs: 20 * 60_000 });
    expect(await store.update(k, next, 1)).toBe(true);
    const got = await mustGet(store, k);
    assertSameBytes(got.data, next.data);
    expect(got.version).toBe(2);
    expect(got.expiresAt).toBe(next.expiresAt);
  },
};

/** Version mismatch: false, record unchanged. */
export const mismatchCheck: Check = {
  id: 'mismatch',
  title: 'update at a wrong version (lower or higher) resolves false and changes nothing',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const second = record({ version: 2 });
    await store.update(k, second, 1);
    expect(await store.update(k, record({ version: 2 }), 1), 'stale expectedVersion 1').toBe(false);
    expect(await store.update(k, record({ version: 6 }), 5), 'future expectedVersion 5').toBe(false);
    expect(await store.update(k, record({ version: 1 }), 0), 'expectedVersion 0').toBe(false);
    const got = await mustGet(store, k);
    expect(got.version).toBe(2);
    assertSameBytes(got.data, second.data);
    expect(got.expiresAt).toBe(second.expiresAt);
  },
};

/** Missing record: false, and nothing is created. */
export const missingCheck: Check = {
  id: 'missing',
  title: 'update of a missing key resolves false and creates nothing',
  async run({ store, key }) {
    const k = key();
    expect(await store.update(k, record({ version: 2 }), 1)).toBe(false);
    await mustMiss(store, k, 'after updating a missing key');
    const deleted = key();
    await store.create(deleted, record());
    await store.delete(deleted);
    expect(await store.update(deleted, record({ version: 2 }), 1), 'update after delete').toBe(false);
    await mustMiss(store, deleted, 'after updating a deleted key');
  },
};

/** Versions climb one by one across many updates, and each stale version is refused. */
export const versionIncrementsCheck: Check = {
  id: 'version-increments',
  title: 'versions increment 1, 2, 3, ... and every superseded version is refused',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    for (let v = 1; v <= 5; v++) {
      expect(await store.update(k, record({ version: v + 1 }), v), `update ${v} -> ${v + 1}`).toBe(true);
      expect((await mustGet(store, k)).version).toBe(v + 1);
      for (let stale = 1; stale <= v; stale++) {
        expect(await store.update(k, record({ version: stale + 1 }), stale), `stale version ${stale}`).toBe(false);
      }
    }
  },
};

/** The owner survives updates. */
export const keepsUserCheck: Check = {
  id: 'keeps-user',
  title: 'update keeps userId',
  async run({ store, key, userId }) {
    const k = key();
    const owner = userId();
    await store.create(k, record({ userId: owner }));
    expect(await store.update(k, record({ version: 2, userId: owner }), 1)).toBe(true);
    expect((await mustGet(store, k)).userId).toBe(owner);
  },
};

/** Feature `compare-and-set`. */
export const compareAndSet: Feature = {
  id: 'compare-and-set',
  title: 'compare-and-set',
  checks: [matchCheck, mismatchCheck, missingCheck, versionIncrementsCheck, keepsUserCheck],
};

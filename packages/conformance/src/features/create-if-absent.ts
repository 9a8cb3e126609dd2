/**
 * `create if absent`: `create` inserts only when no live record has the key.
 *
 * @module
 */
import { expect } from 'vitest';
import { assertSameBytes, mustGet, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** A second create on a live key returns false and leaves the first record untouched. */
export const secondCreateRefusedCheck: Check = {
  id: 'second-create-refused',
  title: 'a second create on a live key resolves false and changes nothing',
  async run({ store, key, userId }) {
    const k = key();
    const first = record({ userId: userId() });
    expect(await store.create(k, first), 'first create').toBe(true);
    expect(await store.create(k, record({ ttlMs: 20 * 60_000, userId: userId() })), 'second create').toBe(false);
    const got = await mustGet(store, k);
    assertSameBytes(got.data, first.data);
    expect(got.version).toBe(1);
    expect(got.expiresAt, 'expiresAt of the first record').toBe(first.expiresAt);
    expect(got.userId, 'userId of the first record').toBe(first.userId);
  },
};

/** Create on an updated key is refused too (the record is not at version 1 any more). */
export const createAfterUpdateRefusedCheck: Check = {
  id: 'create-after-update-refused',
  title: 'create on a key that was updated resolves false and keeps the updated record',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const updated = record({ version: 2 });
    expect(await store.update(k, updated, 1)).toBe(true);
    expect(await store.create(k, record())).toBe(false);
    const got = await mustGet(store, k);
    expect(got.version).toBe(2);
    assertSameBytes(got.data, updated.data);
  },
};

/** After delete, the key is free again. */
export const createAfterDeleteCheck: Check = {
  id: 'create-after-delete',
  title: 'after delete, create on the same key succeeds with the new record',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    expect(await store.delete(k)).toBe(true);
    const again = record();
    expect(await store.create(k, again), 'create after delete').toBe(true);
    const got = await mustGet(store, k);
    assertSameBytes(got.data, again.data);
    expect(got.version).toBe(1);
  },
};

/** Feature `create-if-absent`. */
export const createIfAbsent: Feature = {
  id: 'create-if-absent',
  title: 'create if absent',
  checks: [secondCreateRefusedCheck, createAfterUpdateRefusedCheck, createAfterDeleteCheck],
};

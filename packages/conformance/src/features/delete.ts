/**
 * `delete`: true once, then false; idempotent; affects only its key.
 *
 * @module
 */
import { expect } from 'vitest';
import { mustGet, mustMiss, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** True for a live record, then false; the record is gone. */
export const trueThenFalseCheck: Check = {
  id: 'true-then-false',
  title: 'delete resolves true for a live record, then false on every repeat',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    expect(await store.delete(k), 'first delete').toBe(true);
    expect(await store.delete(k), 'second delete').toBe(false);
    expect(await store.delete(k), 'third delete').toBe(false);
    await mustMiss(store, k, 'after delete');
  },
};

/** Deleting a key never written resolves false and does not throw. */
export const missingCheck: Check = {
  id: 'missing',
  title: 'delete of a key never written resolves false',
  async run({ store, key }) {
    expect(await store.delete(key())).toBe(false);
  },
};

/** Deleting one key leaves the others. */
export const onlyItsKeyCheck: Check = {
  id: 'only-its-key',
  title: 'delete removes only its own key',
  async run({ store, key }) {
    const a = key();
    const b = key();
    await store.create(a, record());
    await store.create(b, record());
    await store.delete(a);
    await mustGet(store, b, 'for the other key');
  },
};

/** Feature `delete`. */
export const deleteFeature: Feature = {
  id: 'delete',
  title: 'delete',
  checks: [trueThenFalseCheck, missingCheck, onlyItsKeyCheck],
};

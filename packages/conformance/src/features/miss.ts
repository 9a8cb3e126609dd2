/**
 * `miss is null`: an absent key reads as exactly `null`.
 *
 * @module
 */

import { mustMiss, record } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** A key never written reads as `null` (not `undefined`, not a throw), at both consistency levels. */
export const neverWrittenCheck: Check = {
  id: 'never-written',
  title: "a key never written reads as null ('eventual' and 'strong')",
  async run({ store, key }) {
    await mustMiss(store, key(), 'for a key never written');
  },
};

/** A deleted key reads as `null`. */
export const deletedCheck: Check = {
  id: 'deleted',
  title: 'a deleted key reads as null',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    await store.delete(k);
    await mustMiss(store, k, 'after delete');
  },
};

/** A key that only differs by case or a suffix from a stored one is a miss (keys are exact). */
export const exactKeyCheck: Check = {
  id: 'exact-key',
  title: 'keys are exact: a case-changed or extended key is a miss',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const flipped = k === k.toUpperCase() ? k.toLowerCase() : k.toUpperCase();
    await mustMiss(store, flipped, 'for the key with its case changed');
    await mustMiss(store, `${k}x`, 'for the key with a suffix');
    await mustMiss(store, k.slice(0, -1), 'for the key without its last character');
  },
};

/** Feature `miss`. */
export const miss: Feature = {
  id: 'miss',
  title: 'miss is null',
  checks: [neverWrittenCheck, deletedCheck, exactKeyCheck],
};

/**
 * `touch`: moves `expiresAt` of a live record, and nothing else; never brings a record back.
 *
 * @module
 */
import { expect } from 'vitest';
import { assertSameBytes, mustGet, mustMiss, record, sleepUntil } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** Touch extends the deadline. */
export const extendsCheck: Check = {
  id: 'extends',
  title: 'touch resolves true and moves expiresAt',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    const later = Date.now() + 30 * 60_000;
    expect(await store.touch(k, later)).toBe(true);
    expect((await mustGet(store, k)).expiresAt).toBe(later);
  },
};

/** Touch keeps data, version and owner. */
export const keepsRecordCheck: Check = {
  id: 'keeps-record',
  title: 'touch does not change data, version or userId',
  async run({ store, key, userId }) {
    const k = key();
    const owner = userId();
    await store.create(k, record({ userId: owner }));
    const updated = record({ version: 2, userId: owner });
    await store.update(k, updated, 1);
    expect(await store.touch(k, Date.now() + 30 * 60_000)).toBe(true);
    const got = await mustGet(store, k);
    expect(got.version, 'version after touch').toBe(2);
    assertSameBytes(got.data, updated.data, 'data after touch');
    expect(got.userId, 'userId after touch').toBe(owner);
    expect(await store.update(k, record({ version: 3, userId: owner }), 2), 'update at the pre-touch version').toBe(
      true,
    );
  },
};

/** Touch on a key never written: false, nothing created. */
export const missingCheck: Check = {
  id: 'missing',
  title: 'touch of a missing key resolves false and creates nothing',
  async run({ store, key }) {
    const k = key();
    expect(await store.touch(k, Date.now() + 60_000)).toBe(false);
    await mustMiss(store, k, 'after touching a missing key');
  },
};

/** Touch after delete: false, still gone. */
export const noResurrectDeletedCheck: Check = {
  id: 'no-resurrect-deleted',
  title: 'touch never resurrects a deleted record',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record());
    expect(await store.delete(k)).toBe(true);
    expect(await store.touch(k, Date.now() + 60_000), 'touch after delete').toBe(false);
    await mustMiss(store, k, 'after touching a deleted record');
  },
};

/** Touch after expiry: false, still gone (also for backends that have not purged the entry yet). */
export const noResurrectExpiredCheck: Check = {
  id: 'no-resurrect-expired',
  title: 'touch never resurrects an expired record, purged or not',
  async run({ store, key, timings }) {
    const k = key();
    const expiresAt = Date.now() + timings.shortTtlMs;
    await store.create(k, record({ expiresAt }));
    await sleepUntil(expiresAt + timings.slackMs);
    expect(await store.touch(k, Date.now() + 60_000), 'touch after expiresAt').toBe(false);
    await mustMiss(store, k, 'after touching an expired record');
  },
};

/** Feature `touch`. */
export const touch: Feature = {
  id: 'touch',
  title: 'touch',
  concurrent: true,
  checks: [extendsCheck, keepsRecordCheck, missingCheck, noResurrectDeletedCheck, noResurrectExpiredCheck],
};

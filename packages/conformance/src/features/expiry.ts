/**
 * `expiry`: a record past `expiresAt` is never returned, whether or not the backend has purged it.
 *
 * These checks wait real time, scaled to `capabilities.ttlGranularityMs` (see {@link Timings}); they run
 * concurrently with each other so the block costs about one wait.
 *
 * @module
 */

import type { SessionStore } from '@sessionkit/core';
import { expect } from 'vitest';
import { assertSameBytes, mustGet, mustMiss, record, sleepUntil } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/**
 * Reads `key`, written with deadline `expiresAt`, and throws unless a live record is there, if the read
 * returned before `expiresAt`. A read that only returned at or after the deadline (a stalled event loop or a
 * slow round trip on a loaded machine) may rightly answer `null`, so it proves nothing either way.
 */
async function mustGetBefore(store: SessionStore, key: string, expiresAt: number, why: string): Promise<void> {
  const got = await store.get(key);
  if (got === null && Date.now() < expiresAt) {
    throw new Error(`expected a live record ${why}, got null`);
  }
}

/** Live before the deadline, `null` right after it. */
export const hiddenAfterDeadlineCheck: Check = {
  id: 'hidden-after-deadline',
  title: 'a record is returned before expiresAt and never after it, even if the backend has not purged it',
  async run({ store, key, timings }) {
    const k = key();
    const expiresAt = Date.now() + timings.shortTtlMs;
    await store.create(k, record({ expiresAt }));
    await mustGetBefore(store, k, expiresAt, 'before expiresAt');
    await sleepUntil(expiresAt + timings.slackMs);
    await mustMiss(store, k, 'after expiresAt');
  },
};

/** A deadline already close at create (shorter than one TTL unit) is still honoured exactly. */
export const nearDeadlineCheck: Check = {
  id: 'near-deadline',
  title: 'create with expiresAt already near: live at once, gone right after the deadline',
  async run({ store, key, timings }) {
    const k = key();
    const expiresAt = Date.now() + timings.nearTtlMs;
    await store.create(k, record({ expiresAt }));
    await mustGetBefore(store, k, expiresAt, 'right after create');
    await sleepUntil(expiresAt + timings.slackMs);
    await mustMiss(store, k, 'after a near expiresAt');
  },
};

/** A deadline already past at create stores nothing readable, and does not block the key. */
export const pastDeadlineCheck: Check = {
  id: 'past-deadline',
  title: 'create with expiresAt in the past stores nothing readable and does not block a later create',
  async run({ store, key }) {
    const k = key();
    await store.create(k, record({ expiresAt: Date.now() - 1_000 }));
    await mustMiss(store, k, 'for a record born expired');
    expect(await store.create(k, record()), 'create after a born-expired create').toBe(true);
  },
};

/** Update can move the deadline earlier. */
export const updateEarlierCheck: Check = {
  id: 'update-earlier',
  title: 'update moving expiresAt earlier: gone after the new deadline',
  async run({ store, key, timings }) {
    const k = key();
    await store.create(k, record());
    const expiresAt = Date.now() + timings.shortTtlMs;
    expect(await store.update(k, record({ version: 2, expiresAt }), 1)).toBe(true);
    await sleepUntil(expiresAt + timings.slackMs);
    await mustMiss(store, k, 'after the earlier deadline set by update');
  },
};

/** Update can move the deadline later. */
export const updateLaterCheck: Check = {
  id: 'update-later',
  title: 'update moving expiresAt later: still live after the old deadline',
  async run({ store, key, timings }) {
    const k = key();
    const first = Date.now() + timings.shortTtlMs;
    await store.create(k, record({ expiresAt: first }));
    const next = record({ version: 2, expiresAt: Date.now() + 4 * timings.shortTtlMs });
    expect(await store.update(k, next, 1)).toBe(true);
    await sleepUntil(first + timings.slackMs);
    const got = await mustGet(store, k, 'after the old deadline, which update moved later');
    expect(got.version).toBe(2);
    assertSameBytes(got.data, next.data);
  },
};

/** Touch can move the deadline earlier. */
export const touchEarlierCheck: Check = {
  id: 'touch-earlier',
  title: 'touch moving expiresAt earlier: gone after the new deadline',
  async run({ store, key, timings }) {
    const k = key();
    await store.create(k, record());
    const expiresAt = Date.now() + timings.shortTtlMs;
    expect(await store.touch(k, expiresAt)).toBe(true);
    await sleepUntil(expiresAt + timings.slackMs);
    await mustMiss(store, k, 'after the earlier deadline set by touch');
  },
};

/** Touch can move the deadline later. */
export const touchLaterCheck: Check = {
  id: 'touch-later',
  title: 'touch moving expiresAt later: still live after the old deadline',
  async run({ store, key, timings }) {
    const k = key();
    const first = Date.now() + timings.shortTtlMs;
    const input = record({ expiresAt: first });
    await store.create(k, input);
    const later = Date.now() + 4 * timings.shortTtlMs;
    expect(await store.touch(k, later)).toBe(true);
    await sleepUntil(first + timings.slackMs);
    const got = await mustGet(store, k, 'after the old deadline, which touch moved later');
    expect(got.expiresAt).toBe(later);
    assertSameBytes(got.data, input.data);
  },
};

/** Moving the deadline into the past hides the record at once. */
export const movedIntoPastCheck: Check = {
  id: 'moved-into-past',
  title: 'update or touch with expiresAt in the past hides the record at once',
  async run({ store, key }) {
    const a = key();
    await store.create(a, record());
    await store.update(a, record({ version: 2, expiresAt: Date.now() - 1_000 }), 1);
    await mustMiss(store, a, 'after update set a past expiresAt');
    const b = key();
    await store.create(b, record());
    await store.touch(b, Date.now() - 1_000);
    await mustMiss(store, b, 'after touch set a past expiresAt');
  },
};

/** Once expired, the key behaves as absent for every write: create succeeds, update and delete report false. */
export const expiredIsAbsentCheck: Check = {
  id: 'expired-is-absent',
  title: 'an expired record is absent for writes: update and delete resolve false, create succeeds',
  async run({ store, key, timings }) {
    const k = key();
    const expiresAt = Date.now() + timings.shortTtlMs;
    await store.create(k, record({ expiresAt }));
    await sleepUntil(expiresAt + timings.slackMs);
    expect(await store.update(k, record({ version: 2 }), 1), 'update of an expired record').toBe(false);
    await mustMiss(store, k, 'after updating an expired record');
    expect(await store.delete(k), 'delete of an expired record').toBe(false);
    const fresh = record();
    expect(await store.create(k, fresh), 'create over an expired record').toBe(true);
    const got = await mustGet(store, k, 'after create over an expired record');
    expect(got.version).toBe(1);
    assertSameBytes(got.data, fresh.data);
  },
};

/** Feature `expiry`. */
export const expiry: Feature = {
  id: 'expiry',
  title: 'expiry',
  concurrent: true,
  checks: [
    hiddenAfterDeadlineCheck,
    nearDeadlineCheck,
    pastDeadlineCheck,
    updateEarlierCheck,
    updateLaterCheck,
    touchEarlierCheck,
    touchLaterCheck,
    movedIntoPastCheck,
    expiredIsAbsentCheck,
  ],
};

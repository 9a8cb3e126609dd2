/**
 * `raw backend`: with the harness's raw-read hooks, checks what really sits in the backend — the record under
 * its prefixed, hashed key, with a native TTL that follows `expiresAt` within the declared granularity.
 * Skipped (with that reason) when the harness gives no `rawRead` hooks.
 *
 * @module
 */
import { expect } from 'vitest';
import { record, sleepUntil } from '../helpers.js';
import type { Check, CheckContext, Feature } from '../types.js';

function hooks(context: CheckContext) {
  const raw = context.rawRead;
  if (!raw) throw new Error('raw-backend checks need StoreHarness.rawRead');
  const ctx = { prefix: context.prefix, store: context.store };
  return {
    exists: (key: string) => raw.exists(key, ctx),
    ttlMs: (key: string) => raw.ttlMs(key, ctx),
  };
}

/**
 * Asserts the native TTL of `key` follows `expiresAt` within the declared granularity. The bounds are not
 * symmetric. Later: up to two units, because a deadline is rounded up to whole units counted from the start
 * of the current unit (`ttlInUnits`), so a deadline a moment away can get two units, and a backend whose
 * clock ticks in those units (memcached) reports its TTL from its own tick. Earlier: up to one unit, because
 * a TTL read back in whole units is truncated. The tolerance covers the round trips.
 */
async function expectNativeTtl(context: CheckContext, key: string, expiresAt: number, what: string): Promise<void> {
  const ttl = await hooks(context).ttlMs(key);
  const remaining = expiresAt - Date.now();
  const { granularityMs, rawToleranceMs } = context.timings;
  expect(ttl, `${what}: native TTL (null means none is set)`).not.toBeNull();
  const delta = (ttl as number) - remaining;
  const earliest = -(granularityMs + rawToleranceMs);
  const latest = 2 * granularityMs + rawToleranceMs;
  if (delta < earliest || delta > latest) {
    throw new Error(
      `${what}: native TTL is ${ttl} ms but expiresAt is ${remaining} ms away ` +
        `(off by ${delta} ms; allowed: ${earliest} to +${latest} ms)`,
    );
  }
}

/** The record sits under its key with a native TTL close to expiresAt. */
export const presentWithTtlCheck: Check = {
  id: 'present-with-ttl',
  title: 'create writes the key under the prefix with a native TTL within granularity of expiresAt',
  async run(context) {
    const k = context.key();
    const expiresAt = Date.now() + 10 * 60_000;
    await context.store.create(k, record({ expiresAt }));
    expect(await hooks(context).exists(k), 'raw key present after create').toBe(true);
    await expectNativeTtl(context, k, expiresAt, 'after create');
  },
};

/** Touch and update move the native TTL both ways. */
export const ttlFollowsWritesCheck: Check = {
  id: 'ttl-follows-writes',
  title: 'touch and update move the native TTL later and earlier',
  async run(context) {
    const { store } = context;
    const k = context.key();
    await store.create(k, record());
    const later = Date.now() + 20 * 60_000;
    await store.touch(k, later);
    await expectNativeTtl(context, k, later, 'after touch later');
    const earlier = Date.now() + 5 * 60_000;
    await store.touch(k, earlier);
    await expectNativeTtl(context, k, earlier, 'after touch earlier');
    const byUpdate = Date.now() + 15 * 60_000;
    await store.update(k, record({ version: 2, expiresAt: byUpdate }), 1);
    await expectNativeTtl(context, k, byUpdate, 'after update later');
    const byUpdateEarlier = Date.now() + 3 * 60_000;
    await store.update(k, record({ version: 3, expiresAt: byUpdateEarlier }), 2);
    await expectNativeTtl(context, k, byUpdateEarlier, 'after update earlier');
  },
};

/** A near deadline never becomes "no TTL" (e.g. memcached's TTL 0 = forever). */
export const nearDeadlineTtlCheck: Check = {
  id: 'near-deadline-ttl',
  title: 'a deadline shorter than one TTL unit still gets a native TTL (never "no expiry")',
  async run(context) {
    const k = context.key();
    const expiresAt = Date.now() + context.timings.nearTtlMs;
    await context.store.create(k, record({ expiresAt }));
    expect(await hooks(context).exists(k), 'raw key present right after create with a near deadline').toBe(true);
    await expectNativeTtl(context, k, expiresAt, 'after create with a near deadline');
  },
};

/** Delete removes the backend entry. */
export const deleteRemovesCheck: Check = {
  id: 'delete-removes',
  title: 'delete removes the raw key',
  async run(context) {
    const k = context.key();
    await context.store.create(k, record());
    await context.store.delete(k);
    expect(await hooks(context).exists(k), 'raw key present after delete').toBe(false);
  },
};

/**
 * The backend purges the entry by itself once the TTL runs out (no scans in the adapter). Allowed lag: two
 * granularity units — one for rounding the TTL up, one for a backend clock that ticks in those units.
 */
export const nativePurgeCheck: Check = {
  id: 'native-purge',
  title: 'the backend purges the entry by itself within two granularity units after expiresAt',
  async run(context) {
    const k = context.key();
    const { shortTtlMs, granularityMs, slackMs } = context.timings;
    const expiresAt = Date.now() + shortTtlMs;
    await context.store.create(k, record({ expiresAt }));
    await sleepUntil(expiresAt + 2 * granularityMs + slackMs);
    expect(await hooks(context).exists(k), 'raw key present two granularity units after expiresAt').toBe(false);
  },
};

/** Feature `raw-backend`. */
export const rawBackend: Feature = {
  id: 'raw-backend',
  title: 'raw backend',
  concurrent: true,
  applies: (_capabilities, harness) => (harness.rawRead ? undefined : 'no rawRead hooks given in the harness'),
  checks: [presentWithTtlCheck, ttlFollowsWritesCheck, nearDeadlineTtlCheck, deleteRemovesCheck, nativePurgeCheck],
};

/**
 * `scan`: the optional admin enumeration. Every live record is listed once across bounded pages, expired and
 * deleted ones are not, the walk ends, and a store lists only its own prefix. Skipped (with that reason) when
 * `capabilities.scan` is not true.
 *
 * The main store is shared with other checks, so these checks assert about the keys they wrote themselves;
 * the prefix check opens a store of its own, where it can assert the exact listing.
 *
 * @module
 */

import type { ScanEntry, SessionStore, StoreCapabilities } from '@sessionkit/core';
import { ConfigurationError } from '@sessionkit/core';
import { expect } from 'vitest';
import { assertSameBytes, assertStoreError, mustGet, record, rejection, sleepUntil } from '../helpers.js';
import type { Check, Feature } from '../types.js';

/** More pages than any scan of a test keyspace can take: reaching it means the walk does not end. */
const MAX_PAGES = 200_000;
/** How far above `limit` a page may go (Redis treats `limit` as `SCAN`'s `COUNT` hint). */
const PAGE_SLACK = 10;

/** What {@link scanAll} saw: every entry listed, how many pages it took, and the largest page. */
export interface ScanWalk {
  /** Every entry of every page, in listing order (repeats included). */
  entries: ScanEntry[];
  /** Calls made. */
  pages: number;
  /** Entries in the largest page. */
  largestPage: number;
}

/**
 * Scans the whole store, `limit` per call, from `cursor` (default: the start); `between` runs after each page.
 * Checks page sizes (at most 10 × `limit`, the slack Redis's `COUNT` hint needs), cursor types and
 * termination. Adapter tests use it for their own walks (and check `largestPage` against their own bound).
 */
export async function scanAll(
  store: SessionStore,
  limit: number,
  between?: (page: number) => Promise<void>,
  cursor?: string,
): Promise<ScanWalk> {
  const scan = store.scan?.bind(store);
  if (!scan) throw new Error('capabilities.scan is true but the store has no scan method');
  const entries: ScanEntry[] = [];
  let pages = 0;
  let largestPage = 0;
  do {
    const page = await scan(cursor === undefined ? { limit } : { cursor, limit });
    expect(Array.isArray(page.entries), 'page.entries is an array').toBe(true);
    expect(page.entries.length, `page ${pages + 1} size with limit ${limit}`).toBeLessThanOrEqual(PAGE_SLACK * limit);
    expect(page.cursor === undefined || typeof page.cursor === 'string', 'cursor is a string or undefined').toBe(true);
    entries.push(...page.entries);
    largestPage = Math.max(largestPage, page.entries.length);
    cursor = page.cursor;
    if (++pages > MAX_PAGES) throw new Error(`scan did not end after ${MAX_PAGES} pages`);
    await between?.(pages);
  } while (cursor !== undefined);
  return { entries, pages, largestPage };
}

/** How often each of `keys` was listed. */
function timesListed(entries: readonly ScanEntry[], keys: readonly string[]): Map<string, number> {
  const counts = new Map(keys.map((k) => [k, 0]));
  for (const { key } of entries) if (counts.has(key)) counts.set(key, counts.get(key)! + 1);
  return counts;
}

/** Asserts that each of `keys` was listed exactly once in `entries` (`what` names the listing). */
export function expectOnceEach(entries: readonly ScanEntry[], keys: readonly string[], what: string): void {
  const wrong = [...timesListed(entries, keys)].filter(([, n]) => n !== 1);
  expect(
    wrong.map(([k, n]) => `${k} listed ${n} times`),
    what,
  ).toEqual([]);
}

/** Every live record is listed once across pages, exactly as `get` returns it. */
export const listsEachOnceCheck: Check = {
  id: 'lists-each-once',
  title: 'every live record is listed exactly once across pages, as get returns it, and the walk ends',
  async run({ store, key, userId }) {
    const owner = userId();
    const keys = Array.from({ length: 25 }, () => key());
    for (const [i, k] of keys.entries()) await store.create(k, record(i % 3 === 0 ? { userId: owner } : {}));
    await store.update(keys[1]!, record({ version: 2 }), 1);
    await store.touch(keys[2]!, Date.now() + 20 * 60_000);
    const { entries } = await scanAll(store, 7);
    expectOnceEach(entries, keys, 'records listed by a full scan');
    for (const k of keys) {
      const listed = entries.find((e) => e.key === k)!.session;
      const got = await mustGet(store, k);
      assertSameBytes(listed.data, got.data, `data of ${k}`);
      expect({ version: listed.version, expiresAt: listed.expiresAt, userId: listed.userId }, `record of ${k}`).toEqual(
        {
          version: got.version,
          expiresAt: got.expiresAt,
          userId: got.userId,
        },
      );
    }
  },
};

/** Expired and deleted records are not listed. */
export const skipsDeadCheck: Check = {
  id: 'skips-dead',
  title: 'expired, deleted and moved-into-the-past records are not listed',
  async run({ store, key, timings }) {
    const live = key();
    const expiring = key();
    const deleted = key();
    const updatedAway = key();
    const touchedAway = key();
    const deadline = Date.now() + timings.shortTtlMs;
    await store.create(live, record());
    await store.create(expiring, record({ expiresAt: deadline }));
    for (const k of [deleted, updatedAway, touchedAway]) await store.create(k, record());
    await store.delete(deleted);
    await store.update(updatedAway, record({ version: 2, expiresAt: Date.now() - 1_000 }), 1);
    await store.touch(touchedAway, Date.now() - 1_000);
    await sleepUntil(deadline + timings.slackMs);
    const counts = timesListed((await scanAll(store, 50)).entries, [live, expiring, deleted, updatedAway, touchedAway]);
    expect(Object.fromEntries(counts), 'times listed').toEqual({
      [live]: 1,
      [expiring]: 0,
      [deleted]: 0,
      [updatedAway]: 0,
      [touchedAway]: 0,
    });
  },
};

/** Writes between pages do not make a record live for the whole scan go missing or repeat. */
export const liveDuringWritesCheck: Check = {
  id: 'live-during-writes',
  title: 'a record live for the whole scan is listed once, whatever is created, changed or deleted between pages',
  async run({ store, key }) {
    const stable = Array.from({ length: 20 }, () => key());
    for (const k of stable) await store.create(k, record());
    const churn: string[] = [];
    const { entries } = await scanAll(store, 5, async (page) => {
      const k = stable[page % stable.length]!;
      await store.touch(k, Date.now() + 20 * 60_000);
      const fresh = key();
      churn.push(fresh);
      await store.create(fresh, record());
      if (page % 2 === 0) await store.delete(churn[churn.length - 2]!);
    });
    expectOnceEach(entries, stable, 'records live for the whole scan');
    const repeats = [...timesListed(entries, churn)].filter(([, n]) => n > 1);
    expect(repeats, 'records created during the scan listed more than once').toEqual([]);
  },
};

/** A store lists its own prefix only; user-index structures are never listed as records. */
export const ownPrefixCheck: Check = {
  id: 'own-prefix',
  title: "a store lists exactly its own prefix's records: not another prefix's, not its user-index entries",
  async run({ store, key, userId, openStore }) {
    const other = await openStore();
    const owner = userId();
    const theirs = [key(), key(), key()];
    for (const k of theirs) await other.create(k, record({ userId: owner }));
    const mine = key();
    await store.create(mine, record({ userId: owner }));
    const listedThere = (await scanAll(other, 2)).entries.map((e) => e.key).sort();
    expect(listedThere, "the other store's scan").toEqual([...theirs].sort());
    const counts = timesListed((await scanAll(store, 50)).entries, [mine, ...theirs]);
    expect(Object.fromEntries(counts), 'times listed by the main store').toEqual(
      Object.fromEntries([[mine, 1], ...theirs.map((k) => [k, 0])]),
    );
  },
};

/** Malformed arguments are refused with a typed error. */
export const argumentsCheck: Check = {
  id: 'arguments',
  title: 'a malformed cursor or limit rejects with ConfigurationError tagged with the store name',
  async run({ store }) {
    const calls: [string, () => Promise<unknown>][] = [
      ['scan({ limit: 0 })', () => store.scan!({ limit: 0 })],
      ['scan({ limit: 1.5 })', () => store.scan!({ limit: 1.5 })],
      ['scan({ cursor: malformed })', () => store.scan!({ cursor: '\u0000 not a cursor' })],
    ];
    for (const [what, call] of calls) assertStoreError(await rejection(call(), what), store, what, ConfigurationError);
  },
};

/** Reason the scan feature does not apply, if it does not. */
export function scanRequirement(capabilities: StoreCapabilities): string | undefined {
  return capabilities.scan === true ? undefined : 'capabilities.scan is not true (the optional admin enumeration)';
}

/** Feature `scan`. */
export const scan: Feature = {
  id: 'scan',
  title: 'scan',
  applies: scanRequirement,
  checks: [listsEachOnceCheck, skipsDeadCheck, liveDuringWritesCheck, ownPrefixCheck, argumentsCheck],
};

/**
 * The walk behind {@link HazelcastSessionStore.scan}, the admin enumeration: the map's entries under the
 * store's prefix in key order, one `PagingPredicate` query per call.
 *
 * Each call asks for the first `limit` entries, ordered by key, whose key lies in this store's prefix range
 * and after the last key of the previous page: `paging(and(__key > last, __key < end of prefix), limit)`,
 * page 0 every time. The cursor is only that last key, so:
 * - it is plain data: a walk resumes in another process, another client, after a client restart;
 * - it names a position in key order, which no write, migration or membership change moves: a record live
 *   for the whole walk is listed exactly once even when members join or leave between pages (partitions
 *   migrate, but keys do not change order). A record lost with a member (backup-count 0, or more members
 *   down than backups) is simply gone.
 *
 * Why not the PagingPredicate's own page numbers: moving to page n needs the anchors (the last entry of
 * each earlier page) held by the predicate object of this process, so such a walk could not resume
 * elsewhere; and entries written between pages would shift the pages. Why not per partition: the Node client
 * exposes no partition iterator (the Java client's `Map.FetchEntries` is not in it).
 *
 * Quirk (cost): no index covers `__key`, so every page is a query on every member over all of its entries
 * (the predicate evaluated per entry, the matches after the cursor sorted per partition and cut to `limit`):
 * O(entries in the map) per page, O(n² / limit) for a whole walk. Use `limit` 1000 for large maps.
 *
 * Quirk (member change during a call): the query runs on all partitions; the member running it re-queries
 * partitions that migrated meanwhile. If the call fails anyway (a member left mid-query), it fails with a
 * typed error and the same cursor can be retried: nothing is skipped or repeated.
 *
 * @module
 */
import type { ScanEntry, ScanPage } from '@sessionkit/core';
import { ConfigurationError, decodeCursorText, encodeCursorText, isLive } from '@sessionkit/core';
import { type IMap, type Predicate, Predicates } from 'hazelcast-client';
import { decodeRecord, toStoredSession } from './record.js';

/** The attribute a predicate reads the map key from. */
const KEY_ATTRIBUTE = '__key';
/** Version tag of the cursor format. */
const CURSOR_TAG = 'k1.';
/** Longest key a cursor may carry (map keys under the prefix that are not ours may exceed core's key limit). */
const MAX_CURSOR_KEY_LENGTH = 64 * 1024;

/**
 * The least string greater than every string that starts with `prefix` (UTF-16 code unit order, which is
 * both JavaScript's and Java's `String.compareTo`), or `undefined` if there is none (an empty prefix, or one
 * of U+FFFF units only).
 */
export function prefixEnd(prefix: string): string | undefined {
  let end = prefix;
  while (end.length > 0 && end.charCodeAt(end.length - 1) === 0xffff) end = end.slice(0, -1);
  if (end.length === 0) return undefined;
  return end.slice(0, -1) + String.fromCharCode(end.charCodeAt(end.length - 1) + 1);
}

/**
 * The store key a cursor resumes after, or `undefined` to start; throws {@link ConfigurationError} (tagged
 * `store`) for a malformed cursor.
 */
export function cursorKey(store: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key =
    typeof cursor === 'string' && cursor.startsWith(CURSOR_TAG)
      ? decodeCursorText(cursor.slice(CURSOR_TAG.length))
      : undefined;
  if (key === undefined || key.length > MAX_CURSOR_KEY_LENGTH) {
    throw new ConfigurationError('malformed scan cursor', { store, operation: 'scan' });
  }
  return key;
}

/** The page's query: keys in `prefix`'s range, after `prefix + after` if given, the first `limit` by key. */
function pageQuery(prefix: string, after: string | undefined, limit: number): Predicate {
  const parts: Predicate[] = [
    after === undefined
      ? Predicates.greaterEqual(KEY_ATTRIBUTE, prefix)
      : Predicates.greaterThan(KEY_ATTRIBUTE, prefix + after),
  ];
  const end = prefixEnd(prefix);
  if (end !== undefined) parts.push(Predicates.lessThan(KEY_ATTRIBUTE, end));
  // No comparator: members order the entries by key (String's natural order).
  return Predicates.paging(parts.length === 1 ? parts[0]! : Predicates.and(...parts), limit);
}

/**
 * One call of the walk: the live records among the first `limit` entries after `after` (a store key, or
 * `undefined` from the start) under `prefix`, decoded as `get` decodes them, and the next cursor.
 */
export async function scanPage(
  map: IMap<string, unknown>,
  prefix: string,
  after: string | undefined,
  limit: number,
  now: () => number,
): Promise<ScanPage> {
  const found = await map.entrySetWithPredicate(pageQuery(prefix, after, limit));
  const at = now();
  const entries: ScanEntry[] = [];
  let last: string | undefined;
  for (const [k, value] of found) {
    // The member answers in key order; the largest key is taken anyway, so the cursor never moves back.
    if (last === undefined || k > last) last = k;
    if (!k.startsWith(prefix)) continue;
    const record = decodeRecord(value);
    // The same rule as get: another application's value is not a session, and an entry past its expiresAt
    // (the member purges it at the whole second after, see ttl.ts) is not listed.
    if (record === undefined || !isLive(record.expiresAt, at)) continue;
    // A copy: the page may be held while later pages arrive, and the client's response buffer can go.
    entries.push({ key: k.slice(prefix.length), session: toStoredSession(record, true) });
  }
  // Fewer than `limit` entries: none is left after the last one.
  if (found.length < limit || last === undefined) return { entries, cursor: undefined };
  return { entries, cursor: CURSOR_TAG + encodeCursorText(last.slice(prefix.length)) };
}

/**
 * The walk behind {@link CassandraSessionStore.scan}, the admin enumeration: the sessions table in token
 * (ring) order, one bounded range read per call.
 *
 * Each call is `SELECT token(key), key, <row columns> FROM sessions WHERE token(key) >= ? LIMIT limit + 1`
 * from the position in the cursor: the token and key of the last row examined. Partitions come back in the
 * partitioner's order, token first and then key bytes (Cassandra's `DecoratedKey` order), so rows at the
 * cursor's token up to and including its key were listed already and are skipped; that makes a walk exact
 * even if two keys share a 64-bit token (the reason for `>=` and the one extra row instead of `token > ?`).
 *
 * - Cursor: `t1.<token>.<base64url of the last key>`, plain data. Not the driver's `pageState`: that one is
 *   reusable across connections, but it is an opaque server structure that can be forged to read other
 *   partitions (the drivers' documentation says not to hand it out), and it is not promised to stay valid
 *   across Cassandra versions (a rolling upgrade in the middle of a copy). A token and a key survive restarts,
 *   upgrades, coordinator changes and topology changes: the order of the ring does not depend on which node
 *   owns what.
 * - Only the sessions table is read (the per-user index is another table); stores with other prefixes share
 *   the table, so rows of other prefixes are examined but not listed. Rows are decoded as `get` decodes them,
 *   and a row past `expires_at` (its TTL is whole seconds, rounded up) is skipped by the same rule.
 * - Consistency: the store's `strongRead` level (LOCAL_QUORUM by default), decided for completeness: a copy
 *   must see every acknowledged write, and LWT commits are only acknowledged by a quorum, so a LOCAL_ONE range
 *   read served by a replica that missed a write (down for a while, hints not yet replayed) would skip or
 *   copy an old version of that session. `{ consistency: 'eventual' }` reads at `eventualRead` (LOCAL_ONE):
 *   cheaper, one replica per range.
 * - Cost: a range read visits every replica set in token order; rows of other prefixes, and tombstones of
 *   deleted or expired sessions (kept `gc_grace_seconds`, until compaction), are read and skipped too.
 *
 * @module
 */
import type { ReadOptions, ScanEntry, ScanOptions, ScanPage } from '@sessionkit/core';
import {
  ConfigurationError,
  decodeCursorText,
  encodeCursorText,
  isLive,
  StoreUnavailableError,
} from '@sessionkit/core';
import cassandra from 'cassandra-driver';
import type { Operation } from './operation.js';
import { decodeRecord, toStoredSession } from './record.js';

const { Long } = cassandra.types;

/** The lowest Murmur3 token. `Murmur3Partitioner` never gives it to a key, so `>=` it is the whole ring. */
const MIN_TOKEN = -(2n ** 63n);
const MAX_TOKEN = 2n ** 63n - 1n;
const CURSOR = /^t1\.(-?\d{1,19})\.([A-Za-z0-9_-]+)$/;

/** Where a call of the walk resumes: after the row with this token and (backend) key. */
export interface ScanPosition {
  token: bigint;
  key: string;
}

/** Options of {@link CassandraSessionStore.scan}: core's, plus the consistency of the range reads. */
export interface CassandraScanOptions extends ScanOptions {
  /** `'strong'` (default): the store's `strongRead` level; `'eventual'`: its `eventualRead` level. */
  consistency?: ReadOptions['consistency'];
}

/** The range read of one call, for `keyspace.table`. */
export function scanCql(keyspace: string, table: string): string {
  return (
    `SELECT token(key) AS tok, key, data, version, expires_at, user_id, write_id FROM ${keyspace}.${table} ` +
    'WHERE token(key) >= ? LIMIT ?'
  );
}

/** The position in `cursor`, or `undefined` to start; throws {@link ConfigurationError} (tagged) if malformed. */
export function scanPosition(store: string, cursor: string | undefined): ScanPosition | undefined {
  if (cursor === undefined) return undefined;
  const parts = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  const token = parts ? BigInt(parts[1]!) : undefined;
  const key = parts ? decodeCursorText(parts[2]!) : undefined;
  if (token === undefined || token < MIN_TOKEN || token > MAX_TOKEN || key === undefined || key.length === 0) {
    throw new ConfigurationError('malformed scan cursor', { store, operation: 'scan' });
  }
  return { token, key };
}

/** Whether the row at (`token`, `key`) comes at or before `position` in ring order. */
function atOrBefore(token: bigint, key: string, position: ScanPosition): boolean {
  if (token !== position.token) return token < position.token;
  return Buffer.compare(Buffer.from(key, 'utf8'), Buffer.from(position.key, 'utf8')) <= 0;
}

/** One call of the walk. */
export interface ScanRequest {
  /** The store's name, for errors. */
  store: string;
  /** {@link scanCql} of the store's table. */
  cql: string;
  /** The store's key prefix. */
  prefix: string;
  /** Where to resume; `undefined` from the start of the ring. */
  position: ScanPosition | undefined;
  /** Rows to examine at most. */
  limit: number;
  /** The driver consistency level of the range read. */
  consistency: number;
  /** The store's clock. */
  now: () => number;
}

/**
 * One call of the walk: examines at most `limit` rows after `position`, returns this prefix's live records
 * among them and the next cursor.
 */
export async function scanPage(op: Operation, request: ScanRequest): Promise<ScanPage> {
  const { store, cql, prefix, position, limit, consistency, now } = request;
  const from = position?.token ?? MIN_TOKEN;
  // One row more than `limit`: the row at the cursor itself comes back (>=) and is skipped.
  // fetchSize too: a client passed in may have a smaller default page size, which would cut the read short.
  const rs = await op.execute(cql, [Long.fromString(from.toString()), limit + 1], {
    consistency,
    idempotent: true,
    fetchSize: limit + 1,
  });
  const at = now();
  const entries: ScanEntry[] = [];
  let examined = 0;
  let last: ScanPosition | undefined;
  for (const row of rs.rows) {
    const token = BigInt(String(row.get('tok')));
    const key = row.get('key') as string;
    if (position !== undefined && atOrBefore(token, key, position)) continue;
    if (examined === limit) {
      // A row beyond this page exists: the walk goes on from the last row examined.
      return { entries, cursor: cursorOf(last!) };
    }
    examined++;
    last = { token, key };
    if (!key.startsWith(prefix)) continue;
    // The same decoding and expiry rule as get.
    const record = decodeRecord(row);
    if (record === null || !isLive(record.expiresAt, at)) continue;
    entries.push({ key: key.slice(prefix.length), session: toStoredSession(record) });
  }
  // The read returned every row left (fewer than it asked for): the ring is done.
  if (rs.rows.length <= limit) return { entries, cursor: undefined };
  // limit + 1 rows, the cursor's own row among them: go on from the last row examined. (`last` is missing only
  // if all limit + 1 rows sat at the cursor's token, at or before its key: a 64-bit token collision that many
  // times over. Then the walk cannot move and says so.)
  if (last === undefined)
    throw new StoreUnavailableError('scan cannot move past its cursor', { store, operation: 'scan' });
  return { entries, cursor: cursorOf(last) };
}

function cursorOf(position: ScanPosition): string {
  return `t1.${position.token}.${encodeCursorText(position.key)}`;
}

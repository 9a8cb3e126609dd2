/**
 * The walk behind {@link DynamoDBSessionStore.scan}, the admin enumeration: one DynamoDB `Scan` request per
 * call, `Limit` = the scan limit, resumed from the `LastEvaluatedKey` the cursor carries.
 *
 * - Data model: the table holds session items only (the per-user index is a GSI, maintained by DynamoDB, not
 *   items of ours), but stores with other `keyPrefix`es may share the table, so a `begins_with` filter keeps
 *   this store's items. Items that are not SessionKit records (no `data`/`version`/`expiresAt`) and expired
 *   items are dropped by {@link decodeRecord}, exactly as `get` drops them.
 * - Quirk: `Limit` bounds the items DynamoDB *examines* (and bills), before the `FilterExpression`: a page
 *   holds at most `limit` entries, possibly none while the walk goes on (other prefixes' items, expired ones).
 *   A 1 MB response also ends a page early; the `LastEvaluatedKey` covers both.
 * - Quirk: a Scan walks the whole table in hash order of the partition key, whatever the prefix: its cost (read
 *   units) grows with the table, not with this store's sessions.
 * - Parallel scan: `segment`/`totalSegments` split the table into disjoint hash ranges that DynamoDB walks
 *   independently; the cursor carries `segment` and `totalSegments` along with the start key, so each segment
 *   is a walk of its own, resumable on its own.
 * - Consistency: eventual by default (half the read units; an item written in the last second or so may be
 *   missed, or seen in an older version): fine for copying sessions, which keep changing anyway.
 *   `consistentRead: true` asks for strongly consistent pages.
 *
 * Cursor: `<segment>.<totalSegments>.<base64url of the LastEvaluatedKey's pk>`. A table with a partition key
 * only (what `checkSchema` requires) has `{ pk }` as its whole LastEvaluatedKey.
 *
 * @module
 */
import type { ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ScanEntry, ScanOptions, ScanPage } from '@sessionkit/core';
import { ConfigurationError, decodeCursorText, encodeCursorText } from '@sessionkit/core';
import { isRetryableRead } from './errors.js';
import { ATTR, decodeRecord, MAX_PARTITION_KEY_BYTES, readString, utf8Bytes } from './record.js';
import type { CallContext } from './retry.js';
import type { UserIndexDeps } from './user-index.js';

/** DynamoDB's bound on `TotalSegments`. */
export const MAX_SCAN_SEGMENTS = 1_000_000;

/** Options of {@link DynamoDBSessionStore.scan}: core's {@link ScanOptions} plus DynamoDB's parallel scan. */
export interface DynamoDBScanOptions extends ScanOptions {
  /**
   * The segment (0 to `totalSegments - 1`) to walk when starting a walk (no `cursor`); a cursor carries its
   * own segment and these are then ignored. Default: one segment, the whole table. Run segment 0 to n - 1 of
   * the same `totalSegments` side by side (each to the end of its own cursors) to walk the table in parallel.
   */
  segment?: number;
  /** How many segments the table is split into (1 to 1,000,000). Default 1. */
  totalSegments?: number;
  /** Strongly consistent pages (twice the read units). Default false: eventually consistent. */
  consistentRead?: boolean;
}

/** What the walk needs from the store (the same as its user-index functions). */
export type ScanDeps = Pick<UserIndexDeps, 'client' | 'runner' | 'store' | 'tableName' | 'keyPrefix' | 'now'>;

/** Where a call of the walk starts. */
export interface ScanPosition {
  segment: number;
  totalSegments: number;
  /** The `pk` of the LastEvaluatedKey to resume after; `undefined` at the start of the segment. */
  after: string | undefined;
}

const CURSOR = /^(\d{1,7})\.(\d{1,7})\.([A-Za-z0-9_-]+)$/;

function malformed(store: string, what: string): ConfigurationError {
  return new ConfigurationError(what, { store, operation: 'scan' });
}

function validSegments(segment: number, totalSegments: number): boolean {
  return (
    Number.isSafeInteger(totalSegments) &&
    totalSegments >= 1 &&
    totalSegments <= MAX_SCAN_SEGMENTS &&
    Number.isSafeInteger(segment) &&
    segment >= 0 &&
    segment < totalSegments
  );
}

/**
 * Where a scan call starts: from `options.cursor` if given (throws {@link ConfigurationError}, tagged `store`,
 * when it is malformed), else at the start of `options.segment` of `options.totalSegments`.
 */
export function scanPosition(store: string, options: DynamoDBScanOptions): ScanPosition {
  if (options.cursor === undefined) {
    const segment = options.segment ?? 0;
    const totalSegments = options.totalSegments ?? 1;
    if (!validSegments(segment, totalSegments)) {
      throw malformed(
        store,
        `scan segment must be an integer from 0 to totalSegments - 1 (at most ${MAX_SCAN_SEGMENTS})`,
      );
    }
    return { segment, totalSegments, after: undefined };
  }
  const parts = typeof options.cursor === 'string' ? CURSOR.exec(options.cursor) : null;
  if (parts === null) throw malformed(store, 'malformed scan cursor');
  const segment = Number(parts[1]);
  const totalSegments = Number(parts[2]);
  const after = decodeCursorText(parts[3]!);
  if (!validSegments(segment, totalSegments) || after === undefined || utf8Bytes(after) > MAX_PARTITION_KEY_BYTES) {
    throw malformed(store, 'malformed scan cursor');
  }
  return { segment, totalSegments, after };
}

/** The cursor of the position after `pk` in a segment. */
function cursorAfter(position: ScanPosition, pk: string): string {
  return `${position.segment}.${position.totalSegments}.${encodeCursorText(pk)}`;
}

/** One call of the walk: a single Scan request of at most `limit` examined items. */
export async function scanPage(
  deps: ScanDeps,
  ctx: CallContext,
  position: ScanPosition,
  limit: number,
  consistentRead: boolean,
): Promise<ScanPage> {
  const input: ScanCommandInput = {
    TableName: deps.tableName,
    Limit: limit,
    ConsistentRead: consistentRead,
    // Expired items are filtered on the server too (bandwidth only: they are still examined and billed).
    FilterExpression: '#exp > :now',
    ExpressionAttributeNames: { '#exp': ATTR.expiresAt },
    ExpressionAttributeValues: { ':now': { N: String(deps.now()) } },
  };
  if (deps.keyPrefix !== '') {
    // Stores with other prefixes may share the table: keep ours (an empty prefix keeps every item).
    input.FilterExpression = `begins_with(#pk, :prefix) AND ${input.FilterExpression}`;
    input.ExpressionAttributeNames!['#pk'] = ATTR.key;
    input.ExpressionAttributeValues![':prefix'] = { S: deps.keyPrefix };
  }
  if (position.totalSegments > 1) {
    input.Segment = position.segment;
    input.TotalSegments = position.totalSegments;
  }
  if (position.after !== undefined) input.ExclusiveStartKey = { [ATTR.key]: { S: position.after } };
  const out = await deps.runner.send(ctx, isRetryableRead, () =>
    deps.client.send(new ScanCommand(input), { abortSignal: ctx.signal }),
  );
  const now = deps.now();
  const entries: ScanEntry[] = [];
  for (const item of out.Items ?? []) {
    const pk = readString(item, ATTR.key);
    if (pk === undefined || !pk.startsWith(deps.keyPrefix)) continue;
    // The same decoding and expiry rule as get.
    const session = decodeRecord(item, now);
    if (session !== null) entries.push({ key: pk.slice(deps.keyPrefix.length), session });
  }
  if (out.LastEvaluatedKey === undefined) return { entries, cursor: undefined };
  const last = readString(out.LastEvaluatedKey, ATTR.key);
  // checkSchema (connect) requires a string partition key `pk` and no sort key: nothing else can resume a walk.
  if (last === undefined) throw malformed(deps.store, `the table's LastEvaluatedKey has no string ${ATTR.key}`);
  return { entries, cursor: cursorAfter(position, last) };
}

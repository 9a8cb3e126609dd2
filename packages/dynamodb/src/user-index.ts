/**
 * The per-user index: a global secondary index on `userId` (projecting `expiresAt`), maintained by DynamoDB
 * itself on every put/update/delete of the table. Nothing to keep in sync by hand, so concurrent logins and
 * logouts cannot leave it wrong; the price is that a GSI is always eventually consistent (typically well under
 * a second on AWS; dynalite updates it synchronously). `listByUser`/`deleteByUser` are one Query on the user's
 * partition of the index: O(sessions of that user).
 *
 * @module
 */

import type { DynamoDBClient, QueryCommandInput, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, BatchWriteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { UserSessionEntry } from '@sessionkit/core';
import { isLive, mapLimit, StoreUnavailableError } from '@sessionkit/core';
import { isRetryableRead } from './errors.js';
import type { Item } from './record.js';
import { ATTR, readNumber, readString } from './record.js';
import type { CallContext, CallRunner } from './retry.js';

/** What the user-index functions need from the store. */
export interface UserIndexDeps {
  /** The client the store sends with. */
  client: DynamoDBClient;
  /** The store's deadline and retry runner. */
  runner: CallRunner;
  /** The store's name, for error tags. */
  store: string;
  /** The session table. */
  tableName: string;
  /** The GSI on `userId`. */
  userIndexName: string;
  /** The store's key prefix: index entries of other prefixes sharing the table are ignored. */
  keyPrefix: string;
  /** Whether entries are confirmed against the table (the `verifyUserIndex` option). */
  verify: boolean;
  /** The store's clock. */
  now: () => number;
}

/** One index entry: the full partition key and the `expiresAt` the index (or the verification) reported. */
interface IndexEntry {
  pk: string;
  expiresAt: number;
}

/** Parallel batch requests per operation, so a user with thousands of sessions does not flood the endpoint. */
const BATCH_CONCURRENCY = 8;
/** BatchWriteItem accepts at most 25 requests per call. */
const BATCH_WRITE_LIMIT = 25;
/** BatchGetItem accepts at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;

const NAMES = { '#pk': ATTR.key, '#exp': ATTR.expiresAt, '#uid': ATTR.userId };

/**
 * The user's live sessions: one Query on the user's index partition, then (with `verify`) a strongly consistent
 * BatchGetItem per 100 entries, so sessions deleted or expired meanwhile are dropped and `expiresAt` is current.
 */
export async function listByUser(deps: UserIndexDeps, ctx: CallContext, userId: string): Promise<UserSessionEntry[]> {
  let entries = await queryUserIndex(deps, ctx, userId, !deps.verify);
  if (deps.verify && entries.length > 0) entries = await verifyEntries(deps, ctx, userId, entries);
  const now = deps.now();
  const prefixLength = deps.keyPrefix.length;
  return entries
    .filter((e) => isLive(e.expiresAt, now))
    .map((e) => ({ key: e.pk.slice(prefixLength), expiresAt: e.expiresAt }));
}

/**
 * Deletes every session of the user the index knows (expired leftovers too) and returns how many were live:
 * the Query without an expiry filter, (with `verify`) the strong verification to count live sessions and skip
 * entries already gone, then {@link batchDelete}.
 */
export async function deleteByUser(deps: UserIndexDeps, ctx: CallContext, userId: string): Promise<number> {
  let entries = await queryUserIndex(deps, ctx, userId, false);
  if (entries.length === 0) return 0;
  if (deps.verify) entries = await verifyEntries(deps, ctx, userId, entries);
  const now = deps.now();
  const live = entries.filter((e) => isLive(e.expiresAt, now)).length;
  await batchDelete(
    deps,
    ctx,
    entries.map((e) => e.pk),
  );
  return live;
}

/**
 * Reads the user's partition of the GSI (all pages). With `liveOnly`, a server-side filter drops entries whose
 * indexed `expiresAt` has passed (the filter saves bandwidth, not read units). Entries of other prefixes sharing
 * the table are dropped here.
 */
async function queryUserIndex(
  deps: UserIndexDeps,
  ctx: CallContext,
  userId: string,
  liveOnly: boolean,
): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  let startKey: Record<string, Item[string]> | undefined;
  do {
    const input: QueryCommandInput = {
      TableName: deps.tableName,
      IndexName: deps.userIndexName,
      KeyConditionExpression: '#uid = :uid',
      ProjectionExpression: '#pk, #exp',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':uid': { S: userId } },
      ExclusiveStartKey: startKey,
      // A GSI cannot be read with ConsistentRead (DynamoDB and dynalite reject it): the index is always eventual.
    };
    if (liveOnly) {
      input.FilterExpression = '#exp > :now';
      input.ExpressionAttributeValues = { ':uid': { S: userId }, ':now': { N: String(deps.now()) } };
    }
    const page = await deps.runner.send(ctx, isRetryableRead, () =>
      deps.client.send(new QueryCommand(input), { abortSignal: ctx.signal }),
    );
    for (const item of page.Items ?? []) {
      const pk = readString(item, ATTR.key);
      if (pk === undefined || !pk.startsWith(deps.keyPrefix)) continue;
      entries.push({ pk, expiresAt: readNumber(item, ATTR.expiresAt) });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return entries;
}

/**
 * Confirms index entries against the table with strongly consistent BatchGetItem calls (100 keys each, retrying
 * UnprocessedKeys with backoff). Returns the entries that exist in the table and still belong to `userId`, with
 * the table's current `expiresAt` (the index lags after a touch), whether live or not.
 */
async function verifyEntries(
  deps: UserIndexDeps,
  ctx: CallContext,
  userId: string,
  entries: IndexEntry[],
): Promise<IndexEntry[]> {
  const chunks = chunk(entries, BATCH_GET_LIMIT);
  const results = await mapLimit(chunks, BATCH_CONCURRENCY, async (part) => {
    const found: IndexEntry[] = [];
    let keys = part.map((e) => ({ [ATTR.key]: { S: e.pk } }));
    for (let attempt = 1; ; attempt++) {
      const out = await deps.runner.send(ctx, isRetryableRead, () =>
        deps.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [deps.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: '#pk, #exp, #uid',
                ExpressionAttributeNames: NAMES,
              },
            },
          }),
          { abortSignal: ctx.signal },
        ),
      );
      for (const item of out.Responses?.[deps.tableName] ?? []) {
        const pk = readString(item, ATTR.key);
        if (pk === undefined || readString(item, ATTR.userId) !== userId) continue;
        found.push({ pk, expiresAt: readNumber(item, ATTR.expiresAt) });
      }
      const left = out.UnprocessedKeys?.[deps.tableName]?.Keys ?? [];
      if (left.length === 0) return found;
      if (!(await deps.runner.waitForRetry(ctx, attempt))) {
        throw new StoreUnavailableError(
          `${left.length} keys left unprocessed by BatchGetItem after ${attempt} attempts`,
          {
            store: deps.store,
            operation: ctx.operation,
          },
        );
      }
      keys = left as typeof keys;
    }
  });
  return results.flat();
}

/**
 * Deletes items with BatchWriteItem (25 per call, up to {@link BATCH_CONCURRENCY} calls in parallel), retrying
 * UnprocessedItems with exponential backoff until the attempt budget or the deadline runs out, then failing
 * with a {@link StoreUnavailableError} (the deletes already applied stay applied; a retry of deleteByUser is
 * safe and finishes the job).
 */
async function batchDelete(deps: UserIndexDeps, ctx: CallContext, pks: string[]): Promise<void> {
  await mapLimit(chunk(pks, BATCH_WRITE_LIMIT), BATCH_CONCURRENCY, async (part) => {
    let requests: WriteRequest[] = part.map((pk) => ({ DeleteRequest: { Key: { [ATTR.key]: { S: pk } } } }));
    for (let attempt = 1; ; attempt++) {
      const out = await deps.runner.send(ctx, isRetryableRead, () =>
        deps.client.send(new BatchWriteItemCommand({ RequestItems: { [deps.tableName]: requests } }), {
          abortSignal: ctx.signal,
        }),
      );
      const left = out.UnprocessedItems?.[deps.tableName] ?? [];
      if (left.length === 0) return;
      if (!(await deps.runner.waitForRetry(ctx, attempt))) {
        throw new StoreUnavailableError(
          `${left.length} deletes left unprocessed by BatchWriteItem after ${attempt} attempts`,
          { store: deps.store, operation: ctx.operation },
        );
      }
      requests = left;
    }
  });
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

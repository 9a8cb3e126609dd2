/**
 * {@link DynamoDBSessionStore}: SessionKit's store on Amazon DynamoDB (AWS SDK v3, low-level client).
 *
 * Every write is a single conditional request (ConditionExpression), so create/update/touch are atomic on the
 * server and a write racing a delete can never bring a session back. Expiry is enforced twice: DynamoDB TTL
 * purges items (on the `ttl` attribute, days late; dynalite never does), and every read and every condition
 * compares `expiresAt` with the current time, so an item that is still stored past its deadline is invisible.
 *
 * @module
 */

import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  ReadOptions,
  ScanPage,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import {
  assertPayloadFits,
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  ConfigurationError,
  isLive,
  PayloadTooLargeError,
  StoreClosedError,
  scanLimit,
} from '@sessionkit/core';
import type { CreateSessionTableOptions, CreateSessionTableResult } from './create-table.js';
import { checkSchema, createSessionTable } from './create-table.js';
import type { DeadlineSignal } from './deadline-signal.js';
import { isAmbiguousFailure, isConditionFailed, isRetryableRead, isThrottling, toDynamoDBError } from './errors.js';
import type { DynamoDBSessionStoreOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import {
  ATTR,
  DYNAMODB_MAX_ITEM_BYTES,
  decodeRecord,
  encodeRecord,
  holdsRecord,
  itemSize,
  MAX_PARTITION_KEY_BYTES,
  readNumber,
  utf8Bytes,
} from './record.js';
import type { CallContext } from './retry.js';
import { CallRunner, failFastOnRefusal } from './retry.js';
import type { DynamoDBScanOptions } from './scan.js';
import { scanPage, scanPosition } from './scan.js';
import { ttlEpochSeconds } from './ttl.js';
import type { UserIndexDeps } from './user-index.js';
import { deleteByUser, listByUser } from './user-index.js';

// Expression attribute names, shared by all requests (data, ttl and others are DynamoDB reserved words).
const N_PK = '#pk';
const N_DATA = '#d';
const N_VERSION = '#v';
const N_EXP = '#exp';
const N_TTL = '#ttl';

/** create: no item, or only an expired one that TTL has not purged yet (it must not block a new session). */
const CREATE_CONDITION = `attribute_not_exists(${N_PK}) OR ${N_EXP} <= :now`;
const CREATE_NAMES = { [N_PK]: ATTR.key, [N_EXP]: ATTR.expiresAt };

/** update: compare-and-set on version, and never on an expired item (that would resurrect it). */
const UPDATE_EXPRESSION = `SET ${N_DATA} = :d, ${N_VERSION} = :v, ${N_EXP} = :exp, ${N_TTL} = :ttl`;
const UPDATE_CONDITION = `${N_VERSION} = :expected AND ${N_EXP} > :now`;
const UPDATE_NAMES = {
  [N_DATA]: ATTR.data,
  [N_VERSION]: ATTR.version,
  [N_EXP]: ATTR.expiresAt,
  [N_TTL]: ATTR.ttl,
};

/**
 * touch: metadata only. `attribute_exists` stops UpdateItem from creating a new item (UpdateItem upserts by
 * default), the expiry check stops it from reviving an expired one.
 */
const TOUCH_EXPRESSION = `SET ${N_EXP} = :exp, ${N_TTL} = :ttl`;
const TOUCH_CONDITION = `attribute_exists(${N_PK}) AND ${N_EXP} > :now`;
const TOUCH_NAMES = { [N_PK]: ATTR.key, [N_EXP]: ATTR.expiresAt, [N_TTL]: ATTR.ttl };

/**
 * A {@link SessionStore} on DynamoDB. See docs/dynamodb.md for the table design, consistency levels and costs.
 *
 * @example
 * ```ts
 * const store = new DynamoDBSessionStore({
 *   endpoint: 'http://127.0.0.1:14567', region: 'us-east-1',
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
 * });
 * await store.createTable();
 * await store.connect();
 * ```
 */
export class DynamoDBSessionStore implements SessionStore {
  /** The tag on this store's errors (option `name`, default `dynamodb`). */
  readonly name: string;
  /** What this store supports: a user index, strong reads, 1-second TTL granularity, its payload limit. */
  readonly capabilities: StoreCapabilities;
  /** The client in use (the one passed in, or the one the store created). */
  readonly client: DynamoDBClient;
  readonly #options: ResolvedOptions;
  readonly #keyPrefix: string;
  readonly #ownsClient: boolean;
  readonly #runner: CallRunner;
  readonly #index: UserIndexDeps;
  #connected: Promise<void> | undefined;
  #closed = false;

  /**
   * Validates the options (`ConfigurationError` on a bad one) and creates the client unless one is given.
   * Sends nothing: see {@link connect}.
   */
  constructor(options: DynamoDBSessionStoreOptions = {}) {
    const o = resolveOptions(options);
    this.#options = o;
    this.#keyPrefix = o.keyPrefix;
    this.name = o.name;
    this.capabilities = {
      userIndex: true,
      // DynamoDB TTL works in epoch seconds; reads and conditions still filter to the millisecond.
      ttlGranularityMs: 1000,
      maxPayloadBytes: o.maxPayloadBytes,
      // 'strong' = ConsistentRead on GetItem; 'eventual' reads may be served by a lagging replica.
      strongReads: true,
      // Admin enumeration: a paged (optionally parallel) Scan of the table, see scan.ts.
      scan: true,
    };
    if (options.client) {
      this.client = options.client;
      this.#ownsClient = false;
      failFastOnRefusal(options.client);
    } else {
      this.client = new DynamoDBClient(this.#clientConfig(options));
      this.#ownsClient = true;
    }
    this.#runner = new CallRunner({
      store: o.name,
      timeoutMs: o.operationTimeoutMs,
      retry: o.retry,
      mapError: (operation, error) => toDynamoDBError(o.name, operation, error, o.tableName),
    });
    this.#index = {
      client: this.client,
      runner: this.#runner,
      store: o.name,
      tableName: o.tableName,
      userIndexName: o.userIndexName,
      keyPrefix: o.keyPrefix,
      verify: o.verifyUserIndex,
      now: () => o.clock.now(),
    };
  }

  #clientConfig(options: DynamoDBSessionStoreOptions): DynamoDBClientConfig {
    const o = this.#options;
    if (options.endpoint !== undefined) {
      try {
        new URL(options.endpoint);
      } catch (cause) {
        throw new ConfigurationError(`endpoint is not a URL: ${options.endpoint}`, { store: o.name, cause });
      }
    }
    const region =
      options.region ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION ??
      // With an explicit endpoint (dynalite, DynamoDB Local) the region only feeds request signing.
      (options.endpoint !== undefined ? 'us-east-1' : undefined);
    const config: DynamoDBClientConfig = {
      // The store retries throttling itself, within the operation deadline (see retry.ts); SDK retries would
      // stack on top of ours and retry conditional writes after network errors, which is not safe.
      maxAttempts: 1,
      requestHandler: {
        // Fail fast on a dead endpoint; the request timeout backs up the deadline abort.
        connectionTimeout: o.connectTimeoutMs,
        requestTimeout: o.operationTimeoutMs,
        throwOnRequestTimeout: true,
      },
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (region !== undefined) config.region = region;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    return config;
  }

  /**
   * Creates the table (and GSI, and TTL where supported) this store expects, if missing. See
   * {@link createSessionTable}.
   */
  async createTable(
    options: Omit<CreateSessionTableOptions, 'tableName' | 'userIndexName'> = {},
  ): Promise<CreateSessionTableResult> {
    this.#checkOpen('createTable');
    return createSessionTable(this.client, {
      storeName: this.name,
      ...options,
      tableName: this.#options.tableName,
      userIndexName: this.#options.userIndexName,
    });
  }

  /**
   * Resolves once DynamoDB has answered and the table has the layout this store expects: one DescribeTable
   * (IAM `dynamodb:DescribeTable`), checking the partition key and the user index. Idempotent: later calls
   * share the first answer; after a failure the next call asks again. Optional: without it the store connects
   * lazily, as the SDK opens its HTTP connections on the first request.
   *
   * A refused connection rejects at once with `StoreUnavailableError` (the SDK error as `cause`), a missing
   * table with `StoreUnavailableError` naming it, another schema with `ConfigurationError`.
   */
  async connect(): Promise<void> {
    this.#checkOpen('connect');
    this.#connected ??= this.#describeTable().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    await this.#connected;
  }

  /**
   * Reads a live session. `'strong'` uses ConsistentRead (served by the partition leader: sees every
   * acknowledged write, costs 1 RCU per 4 KB instead of 0.5); `'eventual'` may miss writes from the last
   * second or so on real DynamoDB.
   */
  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    this.#checkOpen('get');
    assertValidKey(this.name, 'get', key);
    const command = new GetItemCommand({
      TableName: this.#options.tableName,
      Key: { [ATTR.key]: { S: this.#backendKey(key) } },
      ConsistentRead: options?.consistency === 'strong',
    });
    return this.#runner.run('get', async (ctx) => {
      const out = await this.#runner.send(ctx, isRetryableRead, () =>
        this.client.send(command, { abortSignal: ctx.signal }),
      );
      return decodeRecord(out.Item, this.#options.clock.now());
    });
  }

  /** Inserts the session unless a live one holds the key (an expired item TTL has not purged yet does not count). */
  async create(key: string, session: StoredSession): Promise<boolean> {
    const pk = this.#checkWrite('create', key, session);
    const command = new PutItemCommand({
      TableName: this.#options.tableName,
      Item: encodeRecord(pk, session),
      ConditionExpression: CREATE_CONDITION,
      ExpressionAttributeNames: CREATE_NAMES,
      ExpressionAttributeValues: { ':now': { N: String(this.#options.clock.now()) } },
    });
    return this.#conditional('create', pk, command, session);
  }

  /** Compare-and-set on `version`; `false` if the stored version differs or the session is missing or expired. */
  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    const pk = this.#checkWrite('update', key, session);
    if (!Number.isSafeInteger(expectedVersion)) {
      throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
    }
    // userId is not SET: the owner (and so the GSI entry) stays the one written at create.
    const command = new UpdateItemCommand({
      TableName: this.#options.tableName,
      Key: { [ATTR.key]: { S: pk } },
      UpdateExpression: UPDATE_EXPRESSION,
      ConditionExpression: UPDATE_CONDITION,
      ExpressionAttributeNames: UPDATE_NAMES,
      ExpressionAttributeValues: {
        ':d': { B: session.data },
        ':v': { N: String(session.version) },
        ':exp': { N: String(session.expiresAt) },
        ':ttl': { N: String(ttlEpochSeconds(session.expiresAt)) },
        ':expected': { N: String(expectedVersion) },
        ':now': { N: String(this.#options.clock.now()) },
      },
    });
    return this.#conditional('update', pk, command, session);
  }

  /** Moves a live session's deadline; `false` if it is missing or expired (never resurrects). */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    this.#checkOpen('touch');
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    const pk = this.#backendKey(key);
    const command = new UpdateItemCommand({
      TableName: this.#options.tableName,
      Key: { [ATTR.key]: { S: pk } },
      UpdateExpression: TOUCH_EXPRESSION,
      ConditionExpression: TOUCH_CONDITION,
      ExpressionAttributeNames: TOUCH_NAMES,
      ExpressionAttributeValues: {
        ':exp': { N: String(expiresAt) },
        ':ttl': { N: String(ttlEpochSeconds(expiresAt)) },
        ':now': { N: String(this.#options.clock.now()) },
      },
    });
    // touch is idempotent (same SET, same condition): repeating it after a reset is always safe.
    return this.#conditional('touch', pk, command, undefined);
  }

  /**
   * Deletes unconditionally (expired leftovers go too) and reports whether the removed item was live, from the
   * old image DeleteItem returns (ALL_OLD: one round trip, no read units; the old item crosses the wire).
   */
  async delete(key: string): Promise<boolean> {
    this.#checkOpen('delete');
    assertValidKey(this.name, 'delete', key);
    const command = new DeleteItemCommand({
      TableName: this.#options.tableName,
      Key: { [ATTR.key]: { S: this.#backendKey(key) } },
      ReturnValues: 'ALL_OLD',
    });
    return this.#runner.run('delete', async (ctx) => {
      // Retried on throttling only: after a reset the delete may have happened, and a repeat would answer false
      // for a session it did delete; the caller gets StoreUnavailableError and may simply call delete again.
      const out = await this.#runner.send(ctx, isThrottling, () =>
        this.client.send(command, { abortSignal: ctx.signal }),
      );
      if (!out.Attributes) return false;
      return isLive(readNumber(out.Attributes, ATTR.expiresAt), this.#options.clock.now());
    });
  }

  /**
   * Lists the user's live sessions from the `byUser` GSI (one Query on the user's index partition). With
   * `verifyUserIndex` (default) each entry is confirmed by a strongly consistent BatchGetItem on the table, so
   * sessions deleted or expired meanwhile are dropped and `expiresAt` is current. A session created within the
   * index's propagation delay (sub-second on AWS) may be missing either way: a GSI is eventually consistent.
   */
  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.#checkOpen('listByUser');
    assertValidUserId(this.name, 'listByUser', userId);
    return this.#runner.run('listByUser', (ctx) => listByUser(this.#index, ctx, userId));
  }

  /**
   * Deletes every session of the user: one GSI Query, (with `verifyUserIndex`) one strong BatchGetItem per 100
   * sessions to count the live ones and skip already-deleted entries, then BatchWriteItem deletes (25 per call,
   * UnprocessedItems retried with backoff). Expired leftovers are deleted too but not counted. The count is
   * exact unless another caller deletes the same sessions at the same moment (both may count them). A session
   * created after the Query started is not deleted.
   */
  async deleteByUser(userId: string): Promise<number> {
    this.#checkOpen('deleteByUser');
    assertValidUserId(this.name, 'deleteByUser', userId);
    return this.#runner.run('deleteByUser', (ctx) => deleteByUser(this.#index, ctx, userId));
  }

  /**
   * Admin enumeration (never the request path): one `Scan` request per call, `Limit` = `limit` items examined,
   * filtered to this store's prefix and to live records (decoded as `get` decodes them), resumed from the
   * `LastEvaluatedKey` in the cursor. Eventually consistent unless `consistentRead`. Parallel scan: start
   * segment i of n with `{ segment: i, totalSegments: n }` (the cursor carries them) and walk each segment to
   * its end, side by side. Costs read units for the whole table (every prefix), see docs/dynamodb.md.
   * A malformed cursor or segment rejects with `ConfigurationError`.
   */
  async scan(options: DynamoDBScanOptions = {}): Promise<ScanPage> {
    this.#checkOpen('scan');
    const limit = scanLimit(this.name, options.limit);
    const position = scanPosition(this.name, options);
    const consistentRead = options.consistentRead === true;
    return this.#runner.run('scan', (ctx) => scanPage(this.#index, ctx, position, limit, consistentRead));
  }

  /** Marks the store closed; destroys the client only if the store created it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.client.destroy();
  }

  /** The partition key of a session: `keyPrefix` + the (already hashed) key. */
  #backendKey(key: string): string {
    return this.#keyPrefix + key;
  }

  /** The one DescribeTable of {@link connect}. */
  #describeTable(): Promise<void> {
    const { tableName, userIndexName } = this.#options;
    const command = new DescribeTableCommand({ TableName: tableName });
    return this.#runner.run('connect', async (ctx) => {
      const out = await this.#runner.send(ctx, isRetryableRead, () =>
        this.client.send(command, { abortSignal: ctx.signal }),
      );
      checkSchema(out.Table ?? {}, tableName, userIndexName, this.name, 'connect');
    });
  }

  /**
   * Sends a conditional write: `true` if applied, `false` if its condition failed.
   *
   * Throttling is retried (DynamoDB refused the request unprocessed). A reset connection or a 5xx is ambiguous:
   * the write may have been applied. It is repeated too, and if the repeat then fails its condition, `written`
   * (create/update) is checked with a strongly consistent read: the item carries exactly the version, deadline,
   * owner and bytes this call wrote only if the first attempt was applied (versions are never reused for a
   * key), so the answer is `true` then and `false` otherwise. Without that check, a create that succeeded
   * would be reported as lost. Touch passes no `written`: it is idempotent.
   */
  #conditional(
    operation: string,
    pk: string,
    command: PutItemCommand | UpdateItemCommand,
    written: StoredSession | undefined,
  ): Promise<boolean> {
    const send =
      command instanceof PutItemCommand
        ? (signal: DeadlineSignal) => this.client.send(command, { abortSignal: signal })
        : (signal: DeadlineSignal) => this.client.send(command, { abortSignal: signal });
    return this.#runner.run(operation, async (ctx) => {
      let ambiguous = false;
      const retryable = (error: unknown): boolean => {
        if (isThrottling(error)) return true;
        if (!isAmbiguousFailure(error)) return false;
        ambiguous = true;
        return true;
      };
      try {
        await this.#runner.send(ctx, retryable, () => send(ctx.signal));
        return true;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        if (!ambiguous || written === undefined) return false;
        return this.#holds(ctx, pk, written, operation === 'create');
      }
    });
  }

  /** Whether the item under `pk` is exactly what an ambiguous create/update wrote (strongly consistent read). */
  async #holds(ctx: CallContext, pk: string, written: StoredSession, checkOwner: boolean): Promise<boolean> {
    const command = new GetItemCommand({
      TableName: this.#options.tableName,
      Key: { [ATTR.key]: { S: pk } },
      ConsistentRead: true,
    });
    const out = await this.#runner.send(ctx, isRetryableRead, () =>
      this.client.send(command, { abortSignal: ctx.signal }),
    );
    return holdsRecord(out.Item, written, checkOwner);
  }

  /** Validates a write and checks its size; returns the partition key. Throws before anything is sent. */
  #checkWrite(operation: string, key: string, session: StoredSession): string {
    this.#checkOpen(operation);
    assertValidRecord(this.name, operation, key, session);
    assertPayloadFits(this.name, operation, session.data, this.#options.maxPayloadBytes);
    const pk = this.#backendKey(key);
    if (utf8Bytes(pk) > MAX_PARTITION_KEY_BYTES) {
      throw new ConfigurationError(`keyPrefix + key exceed DynamoDB's ${MAX_PARTITION_KEY_BYTES}-byte key limit`, {
        store: this.name,
        operation,
      });
    }
    // The 400 KB limit applies to the whole item: attribute names, key, numbers and userId count too.
    const size = itemSize(pk, session);
    if (size > DYNAMODB_MAX_ITEM_BYTES) {
      throw new PayloadTooLargeError(size, DYNAMODB_MAX_ITEM_BYTES, { store: this.name, operation });
    }
    return pk;
  }

  #checkOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }
}

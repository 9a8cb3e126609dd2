/**
 * Options of {@link DynamoDBSessionStore}, their defaults, and their validation on core's `integerOption`,
 * `stringOption` and `storeName`.
 *
 * @module
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '@sessionkit/core';
import {
  ConfigurationError,
  integerOption,
  refuseRenamedOptions,
  storeName,
  stringOption,
  systemClock,
} from '@sessionkit/core';
import { DYNAMODB_MAX_ITEM_BYTES } from './record.js';

/** Default table name. */
export const DEFAULT_TABLE_NAME = 'sessionkit_sessions';
/** Default name of the global secondary index on `userId`. */
export const DEFAULT_USER_INDEX_NAME = 'byUser';
/** Default `keyPrefix`. */
export const DEFAULT_KEY_PREFIX = 'sess:';

/**
 * Bytes reserved for everything in the item that is not `data` when the advertised `maxPayloadBytes` is derived:
 * the attribute names (31 bytes), the numbers (at most 21 bytes each), the partition key (prefix + a key of up
 * to 512 characters) and a userId. 4 KiB covers a 43-character hashed key with any sane prefix and userId;
 * the exact size of each item is still checked before it is sent (see `itemSize` in record.ts).
 */
const ITEM_OVERHEAD_RESERVE_BYTES = 4 * 1024;

/** Default `maxPayloadBytes`: the item limit minus a 4 KiB reserve for the other attributes (405,504 bytes). */
export const DEFAULT_MAX_PAYLOAD_BYTES = DYNAMODB_MAX_ITEM_BYTES - ITEM_OVERHEAD_RESERVE_BYTES;

/** Longest accepted `keyPrefix`, in characters. */
const MAX_KEY_PREFIX_LENGTH = 256;

/** DynamoDB table and index names: 3-255 characters of [a-zA-Z0-9_.-]. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Static AWS credentials (for local servers any non-empty strings do). */
export interface DynamoDBCredentials {
  /** The access key ID. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials. */
  sessionToken?: string;
}

/**
 * Retries of throttled requests and unprocessed batch items (DynamoDB refused them unprocessed, so repeating is
 * safe). Not a compare-and-set loop: a conditional write that loses its condition is answered `false` at once.
 */
export interface DynamoDBRetryOptions {
  /** Attempts per request, the first included. Default 6. Never more than the deadline allows. */
  maxAttempts?: number;
  /** Ceiling of the first backoff in ms; doubles per attempt, with full jitter (core's `backoffDelay`). Default 25. */
  baseDelayMs?: number;
  /** Cap of one backoff in ms. Default 400. */
  maxDelayMs?: number;
}

/** Options for {@link DynamoDBSessionStore}. */
export interface DynamoDBSessionStoreOptions {
  /**
   * An existing client. The store uses it as is (its retry strategy and timeouts included; the store still
   * aborts a call at its deadline, and adds one middleware so that a refused connection of the store's own calls
   * is not retried by the SDK) and never destroys it on `close()`. When omitted the store creates its own
   * client from `endpoint`, `region` and `credentials`, with SDK retries off (the store retries throttling
   * itself, within the deadline) and connection/request timeouts derived from `operationTimeoutMs`.
   */
  client?: DynamoDBClient;
  /** Endpoint URL, e.g. `http://127.0.0.1:14567` for dynalite. Default: the AWS endpoint for the region. */
  endpoint?: string;
  /**
   * AWS region. Default: `AWS_REGION`/`AWS_DEFAULT_REGION`, then (only when `endpoint` is set, where the region
   * merely feeds request signing) `us-east-1`; otherwise the SDK's own resolution (profile).
   */
  region?: string;
  /** Static credentials. Default: the SDK's default provider chain (env, profile, IMDS, ...). */
  credentials?: DynamoDBCredentials;
  /** Table name. Default `sessionkit_sessions`. */
  tableName?: string;
  /** Name of the GSI on `userId`. Default `byUser`. */
  userIndexName?: string;
  /**
   * Put in front of every (already hashed) key: stores with different prefixes can share one table and its
   * user index. At most 256 characters. Default `sess:`.
   */
  keyPrefix?: string;
  /** Deadline of every operation (retries and backoffs included), in ms. Default 2000. */
  operationTimeoutMs?: number;
  /** TCP connect timeout of an owned client, in ms. Default `min(1000, operationTimeoutMs)`. */
  connectTimeoutMs?: number;
  /**
   * Largest accepted `data`, in bytes. Default and maximum 405,504 (400 KB minus a 4 KiB reserve for the
   * other attributes). The exact item size, attribute names included, is also checked on every write.
   */
  maxPayloadBytes?: number;
  /**
   * Whether `listByUser`/`deleteByUser` confirm the GSI's answer with a strongly consistent BatchGetItem on
   * the table. A GSI is always eventually consistent: without verification a just-deleted session can still be
   * listed and a just-touched one shows its old `expiresAt`. Costs one strong read per listed session. Default
   * `true`. (Verification cannot make a just-created session appear earlier than the GSI has it.)
   */
  verifyUserIndex?: boolean;
  /** Backoff settings for throttling and unprocessed batch items. */
  retry?: DynamoDBRetryOptions;
  /** Time source for the expiry filter and the expiry conditions. Default: the system clock. */
  clock?: Clock;
  /** Name used in errors and metrics. Default `dynamodb`. */
  name?: string;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  name: string;
  tableName: string;
  userIndexName: string;
  keyPrefix: string;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
  maxPayloadBytes: number;
  verifyUserIndex: boolean;
  retry: Required<DynamoDBRetryOptions>;
  clock: Clock;
}

/** Applies defaults and rejects invalid settings with a {@link ConfigurationError}. */
export function resolveOptions(options: DynamoDBSessionStoreOptions): ResolvedOptions {
  const name = storeName(options.name, 'dynamodb');
  refuseRenamedOptions(name, options, [['prefix', 'keyPrefix']]);
  const tableName = stringOption(name, 'tableName', options.tableName, DEFAULT_TABLE_NAME);
  if (!TABLE_NAME.test(tableName)) {
    throw new ConfigurationError('tableName must be 3-255 characters of a-z, A-Z, 0-9, _ . -', { store: name });
  }
  const userIndexName = stringOption(name, 'userIndexName', options.userIndexName, DEFAULT_USER_INDEX_NAME);
  if (!TABLE_NAME.test(userIndexName)) {
    throw new ConfigurationError('userIndexName must be 3-255 characters of a-z, A-Z, 0-9, _ . -', { store: name });
  }
  const keyPrefix = stringOption(name, 'keyPrefix', options.keyPrefix, DEFAULT_KEY_PREFIX, { allowEmpty: true });
  if (keyPrefix.length > MAX_KEY_PREFIX_LENGTH) {
    throw new ConfigurationError(`keyPrefix must be at most ${MAX_KEY_PREFIX_LENGTH} characters`, { store: name });
  }
  const operationTimeoutMs = integerOption(name, 'operationTimeoutMs', options.operationTimeoutMs, 2000);
  const connectTimeoutMs = integerOption(
    name,
    'connectTimeoutMs',
    options.connectTimeoutMs,
    Math.min(1000, operationTimeoutMs),
  );
  const maxPayloadBytes = integerOption(name, 'maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, {
    max: DYNAMODB_MAX_ITEM_BYTES,
  });
  const retry = {
    maxAttempts: integerOption(name, 'retry.maxAttempts', options.retry?.maxAttempts, 6),
    baseDelayMs: integerOption(name, 'retry.baseDelayMs', options.retry?.baseDelayMs, 25, { min: 0 }),
    maxDelayMs: integerOption(name, 'retry.maxDelayMs', options.retry?.maxDelayMs, 400, { min: 0 }),
  };
  if (options.client !== undefined && (options.endpoint !== undefined || options.credentials !== undefined)) {
    throw new ConfigurationError('pass either client or endpoint/credentials, not both', { store: name });
  }
  return {
    name,
    tableName,
    userIndexName,
    keyPrefix,
    operationTimeoutMs,
    connectTimeoutMs,
    maxPayloadBytes,
    verifyUserIndex: options.verifyUserIndex ?? true,
    retry,
    clock: options.clock ?? systemClock,
  };
}

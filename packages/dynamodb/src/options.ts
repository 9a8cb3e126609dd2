/**
 * Options of {@link DynamoDBSessionStore} and their validation.
 *
 * @module
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigurationError, systemClock } from '@sessionkit/core';
import type { Clock } from '@sessionkit/core';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PREFIX,
  DEFAULT_TABLE_NAME,
  DEFAULT_USER_INDEX_NAME,
  DYNAMODB_MAX_ITEM_BYTES,
} from './schema.js';

/** Static AWS credentials (for local servers any non-empty strings do). */
export interface DynamoDBCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Backoff for throttled requests and unprocessed batch items. */
export interface DynamoDBRetryOptions {
  /** Attempts per request, the first included. Default 6. Never more than the deadline allows. */
  maxAttempts?: number;
  /** First backoff in ms; doubles per attempt with full jitter. Default 25. */
  baseDelayMs?: number;
  /** Cap of one backoff in ms. Default 400. */
  maxDelayMs?: number;
}

/** Options for {@link DynamoDBSessionStore}. */
export interface DynamoDBSessionStoreOptions {
  /**
   * An existing client. The store uses it as is (its retry strategy and timeouts included; the store still
   * aborts a call at its deadline) and does not destroy it on `close()`. When omitted the store creates its own
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
  /** Prefix put in front of every hashed key. Default `sess:`. */
  prefix?: string;
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
  prefix: string;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
  maxPayloadBytes: number;
  verifyUserIndex: boolean;
  retry: Required<DynamoDBRetryOptions>;
  clock: Clock;
}

function positiveInt(store: string, name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new ConfigurationError(`${name} must be a positive integer`, { store });
  return v;
}

function nonNegativeInt(store: string, name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ConfigurationError(`${name} must be a non-negative integer`, { store });
  }
  return v;
}

/** Applies defaults and rejects invalid settings with a {@link ConfigurationError}. */
export function resolveOptions(options: DynamoDBSessionStoreOptions): ResolvedOptions {
  const name = options.name ?? 'dynamodb';
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  // DynamoDB table and index names: 3-255 characters of [a-zA-Z0-9_.-].
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigurationError('tableName must be 3-255 characters of a-z, A-Z, 0-9, _ . -', { store: name });
  }
  const userIndexName = options.userIndexName ?? DEFAULT_USER_INDEX_NAME;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(userIndexName)) {
    throw new ConfigurationError('userIndexName must be 3-255 characters of a-z, A-Z, 0-9, _ . -', { store: name });
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || prefix.length > 256) {
    throw new ConfigurationError('prefix must be a string of at most 256 characters', { store: name });
  }
  const operationTimeoutMs = positiveInt(name, 'operationTimeoutMs', options.operationTimeoutMs, 2000);
  const connectTimeoutMs = positiveInt(
    name,
    'connectTimeoutMs',
    options.connectTimeoutMs,
    Math.min(1000, operationTimeoutMs),
  );
  const maxPayloadBytes = positiveInt(name, 'maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES);
  if (maxPayloadBytes > DYNAMODB_MAX_ITEM_BYTES) {
    throw new ConfigurationError(`maxPayloadBytes cannot exceed DynamoDB's item limit of ${DYNAMODB_MAX_ITEM_BYTES}`, {
      store: name,
    });
  }
  const retry = {
    maxAttempts: positiveInt(name, 'retry.maxAttempts', options.retry?.maxAttempts, 6),
    baseDelayMs: nonNegativeInt(name, 'retry.baseDelayMs', options.retry?.baseDelayMs, 25),
    maxDelayMs: nonNegativeInt(name, 'retry.maxDelayMs', options.retry?.maxDelayMs, 400),
  };
  if (options.client !== undefined && (options.endpoint !== undefined || options.credentials !== undefined)) {
    throw new ConfigurationError('pass either client or endpoint/credentials, not both', { store: name });
  }
  return {
    name,
    tableName,
    userIndexName,
    prefix,
    operationTimeoutMs,
    connectTimeoutMs,
    maxPayloadBytes,
    verifyUserIndex: options.verifyUserIndex ?? true,
    retry,
    clock: options.clock ?? systemClock,
  };
}

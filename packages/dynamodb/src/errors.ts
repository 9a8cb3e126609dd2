/**
 * Classification of AWS SDK / DynamoDB errors into SessionKit's typed errors, and the predicates the retry loop
 * uses. Everything leaving the store is a {@link SessionKitError} tagged with the store name.
 *
 * @module
 */
import {
  ConfigurationError,
  connectionErrorCode,
  PayloadTooLargeError,
  SessionKitError,
  StoreUnavailableError,
} from '@sessionkit/core';
import { DYNAMODB_MAX_ITEM_BYTES } from './record.js';

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function asSdkError(error: unknown): SdkErrorLike {
  return typeof error === 'object' && error !== null ? (error as SdkErrorLike) : {};
}

/** The `name` of an SDK error (`ResourceInUseException`, ...), or `''`. */
export function sdkErrorName(error: unknown): string {
  return asSdkError(error).name ?? '';
}

/**
 * Error names DynamoDB uses for throttling. All three mean the request was rejected before it was applied, so
 * a retry is safe even for conditional writes.
 */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** The conditional write did not apply: a normal `false` result, not an error. */
export function isConditionFailed(error: unknown): boolean {
  return asSdkError(error).name === 'ConditionalCheckFailedException';
}

/** Throttling: the request was refused unprocessed and may be retried after a backoff. */
export function isThrottling(error: unknown): boolean {
  const e = asSdkError(error);
  return THROTTLING_ERRORS.has(e.name ?? '') || e.$retryable?.throttling === true;
}

/**
 * Errors after which the request may or may not have been applied: a connection reset or broken pipe (typically
 * a keep-alive socket the server closed while idle: dynalite closes them after Node's 5 s default; proxies and
 * load balancers do the same) or a 5xx. Repeating is harmless for reads, batch deletes and touch; for
 * create/update the store repeats and, if the repeat's condition fails, checks whether the first attempt was
 * applied (see `DynamoDBSessionStore`).
 */
export function isAmbiguousFailure(error: unknown): boolean {
  const e = asSdkError(error);
  if (e.name === 'InternalServerError' || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  const code = connectionErrorCode(error);
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * The connection was refused: nothing listens at the endpoint and the request was never sent. Never retried
 * (neither by the store nor, for the store's calls, by the SDK: see retry.ts), so a dead endpoint fails at once.
 */
export function isConnectionRefused(error: unknown): boolean {
  return connectionErrorCode(error) === 'ECONNREFUSED';
}

/** Retry predicate for requests that are safe to repeat: throttling or an ambiguous failure. */
export function isRetryableRead(error: unknown): boolean {
  return isThrottling(error) || isAmbiguousFailure(error);
}

/**
 * Maps an SDK error to a typed SessionKit error tagged with the store and operation, the SDK error as `cause`.
 * Called for every failure that is not a condition failure. A refused or lost connection (found with core's
 * `connectionErrorCode`), 5xx, throttling and a missing table (e.g. dynalite restarted: it keeps everything in
 * memory; `tableName` names it in the message) are retryable {@link StoreUnavailableError}s; bad credentials, a
 * missing region and malformed requests are {@link ConfigurationError}s; DynamoDB's own item-size rejection is a
 * {@link PayloadTooLargeError} (nothing was written).
 */
export function toDynamoDBError(store: string, operation: string, error: unknown, tableName: string): SessionKitError {
  if (error instanceof SessionKitError) return error;
  const e = asSdkError(error);
  const name = e.name ?? '';
  const message = e.message ?? String(error);
  const options = { store, operation, cause: error };
  if (name === 'ValidationException' && /item size/i.test(message)) {
    return new PayloadTooLargeError(DYNAMODB_MAX_ITEM_BYTES + 1, DYNAMODB_MAX_ITEM_BYTES, options);
  }
  if (name === 'ResourceNotFoundException') {
    return new StoreUnavailableError(`table "${tableName}" (or its index) not found: ${message}`, options);
  }
  if (isThrottling(error)) {
    return new StoreUnavailableError(`throttled by DynamoDB (${name}) and out of retries within the deadline`, options);
  }
  if (
    name === 'ValidationException' ||
    name === 'SerializationException' ||
    name === 'AccessDeniedException' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidSignatureException' ||
    name === 'MissingAuthenticationTokenException' ||
    name === 'CredentialsProviderError' ||
    /region is missing/i.test(message)
  ) {
    return new ConfigurationError(`${name || 'Error'}: ${message}`, options);
  }
  const code = connectionErrorCode(error);
  if (code !== undefined) return new StoreUnavailableError(`connection failed (${code}): ${message}`, options);
  return new StoreUnavailableError(name && !message.includes(name) ? `${name}: ${message}` : message, options);
}

/**
 * Maps hazelcast-client failures onto SessionKit's typed errors.
 *
 * @module
 */
import {
  connectionErrorCode,
  SessionKitError,
  StoreTimeoutError,
  StoreUnavailableError,
  toStoreError,
} from '@sessionkit/core';
import { OperationTimeoutError } from 'hazelcast-client';

/**
 * Converts any failure of a call to a typed error tagged with the store and operation:
 * - a socket-level failure (a member refusing the connection, see `member-probe.ts`; a reset) →
 *   {@link StoreUnavailableError} naming the socket error code, with the error as `cause`;
 * - the client's own invocation timeout → {@link StoreTimeoutError} of `timeoutMs`;
 * - everything else (no connection, member gone mid-call, client shut down, the cluster refusing an
 *   operation) → a retryable {@link StoreUnavailableError} with the client error as `cause`.
 */
export function toHazelcastError(store: string, operation: string, error: unknown, timeoutMs: number): SessionKitError {
  if (error instanceof SessionKitError) return error;
  const code = connectionErrorCode(error);
  if (code !== undefined) {
    return new StoreUnavailableError(`cannot reach a Hazelcast member (${code})`, { store, operation, cause: error });
  }
  if (error instanceof OperationTimeoutError)
    return new StoreTimeoutError(timeoutMs, { store, operation, cause: error });
  return toStoreError(store, operation, error);
}

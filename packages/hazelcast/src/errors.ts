/**
 * Maps hazelcast-client failures onto SessionKit's typed errors.
 *
 * @module
 */
import { SessionKitError, StoreTimeoutError, toStoreError } from '@sessionkit/core';
import { OperationTimeoutError } from 'hazelcast-client';

/**
 * Wraps any client error as a typed error tagged with the store: the client's own invocation timeout becomes
 * a {@link StoreTimeoutError}; everything else (no connection, member gone mid-call, client shut down, the
 * cluster refusing an operation) a retryable {@link StoreUnavailableError}.
 */
export function wrapHazelcastError(store: string, operation: string, timeoutMs: number, error: unknown): SessionKitError {
  if (error instanceof SessionKitError) return error;
  if (error instanceof OperationTimeoutError) return new StoreTimeoutError(timeoutMs, { store, operation, cause: error });
  return toStoreError(store, operation, error);
}

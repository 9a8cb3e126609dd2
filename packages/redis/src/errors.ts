/**
 * ioredis errors to typed SessionKit errors. Every failure is retryable `StoreUnavailableError` (core's
 * `toStoreError`) carrying the driver's error as `cause`; a connection that could not be made says so.
 *
 * @module
 */
import { connectionErrorCode, SessionKitError, StoreUnavailableError, toStoreError } from '@sessionkit/core';

/**
 * Whether `error` reports a connection attempt that failed: a socket error (`ECONNREFUSED`, ...; core's
 * `connectionErrorCode`), or the two ioredis errors that stand for one without carrying its code:
 * - Cluster: `ClusterAllFailedError` ("Failed to refresh slots cache."), no startup node answered. ioredis asks
 *   each node on a throwaway connection whose socket errors it ignores, so the node's own error only says
 *   "Connection is closed.";
 * - Sentinel: "All sentinels are unreachable. ..." (a plain `Error`: the sentinel connector keeps only the
 *   message of the last sentinel's failure).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (connectionErrorCode(error) !== undefined) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'ClusterAllFailedError' || error.message.startsWith('All sentinels are unreachable');
}

/**
 * Maps an error from ioredis (or from the store's own checks) to a typed error tagged with the store and the
 * operation: SessionKit errors pass through, a failed or lost connection is `StoreUnavailableError` "Redis
 * connection failed", anything else (`Connection is closed.`, `READONLY`, `CLUSTERDOWN`, `LOADING`, `OOM`, too
 * many redirections) is core's `toStoreError`.
 */
export function toRedisError(store: string, operation: string, error: unknown): SessionKitError {
  if (error instanceof SessionKitError) return error;
  if (isConnectionFailure(error)) {
    return new StoreUnavailableError(`Redis connection failed: ${(error as Error).message}`, {
      store,
      operation,
      cause: error,
    });
  }
  return toStoreError(store, operation, error);
}

/**
 * The default report of a failing cache tier: a process warning, for a {@link TieredStore} built without
 * `onCacheError`, so that a dead cache is never only a counter.
 *
 * @module
 */
import type { SessionKitError } from '@sessionkit/core';
import { connectionErrorCode } from '@sessionkit/core';

/** The `code` of the process warning a {@link TieredStore} without `onCacheError` emits when its cache tier fails. */
export const CACHE_FAILING_WARNING = 'SESSIONKIT_TIERED_CACHE_FAILING';

/**
 * Emits the warning {@link CACHE_FAILING_WARNING} (type `SessionKitWarning`) for the failure that opened the
 * breaker of tiered store `store` over cache `cache`. It names the stores, the operation and the error codes
 * (the store error's and the socket's, e.g. `ECONNREFUSED`), never a key, an ID or an error message.
 */
export function warnCacheFailing(store: string, cache: string, error: SessionKitError, operation: string): void {
  const socket = connectionErrorCode(error);
  const cause = socket === undefined ? error.code : `${error.code}, ${socket}`;
  process.emitWarning(
    `${store}: the cache tier "${cache}" keeps failing (last: ${cause} in ${operation}); sessions are served from ` +
      'the durable store until a trial call to the cache succeeds. Pass onCacheError to handle cache errors yourself.',
    { type: 'SessionKitWarning', code: CACHE_FAILING_WARNING },
  );
}

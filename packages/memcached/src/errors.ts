/**
 * Memcached failures as core's typed errors.
 *
 * memjs reports two kinds of outcome to a request: a **response** (any answer of the server, success or
 * not, with a status) and an **error callback**, which it calls only when the connection to that server
 * failed: refused or reset, closed, its own connect/response socket timeouts, a failed SASL handshake. So
 * every error-callback error is a connection failure (no need to sort them by code), and every status is a
 * server answer.
 *
 * @module
 */

import type { SessionKitError } from '@sessionkit/core';
import { PayloadTooLargeError, StoreUnavailableError } from '@sessionkit/core';
import { Status } from './protocol.js';

/**
 * A memjs connection failure on `server` (`host:port`): a retryable {@link StoreUnavailableError} naming the
 * server, with the driver's error as `cause`. A refused connection arrives here at once (memjs does not
 * retry the store's requests, see `connection.ts`), so it never waits out the operation's deadline.
 */
export function toMemcachedError(
  store: string,
  operation: string,
  error: unknown,
  server: string,
): StoreUnavailableError {
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`memcached server ${server} failed: ${message}`, { store, operation, cause: error });
}

/**
 * An unexpected response status. E2BIG means the server's item limit is smaller than `maxItemBytes` says
 * (memcached `-I`): nothing was stored, reported as {@link PayloadTooLargeError} of `size` bytes. Anything
 * else (ENOMEM, NOT_STORED, EINVAL, ...) is a retryable {@link StoreUnavailableError}.
 */
export function memcachedStatusError(
  store: string,
  operation: string,
  status: number,
  size: number,
  maxItemBytes: number,
): SessionKitError {
  if (status === Status.VALUE_TOO_LARGE) return new PayloadTooLargeError(size, maxItemBytes, { store, operation });
  return new StoreUnavailableError(`memcached answered status 0x${status.toString(16).padStart(4, '0')}`, {
    store,
    operation,
  });
}

/**
 * Helpers shared by every adapter, so that deadlines, size checks and expiry filtering behave the same on
 * all backends. Adapters import these instead of re-implementing them.
 *
 * @module
 */
import { PayloadTooLargeError, SessionKitError, StoreTimeoutError, toSessionKitError } from './errors.js';

/**
 * Runs `operation` with a deadline. If it has not settled after `timeoutMs`, the returned promise rejects with
 * a {@link StoreTimeoutError} tagged with the store and operation. Errors that are not already
 * {@link SessionKitError}s are wrapped by `wrapError`, so callers only ever see typed errors. A late outcome
 * of the operation is observed and dropped, so it never becomes an unhandled rejection.
 *
 * On every adapter's hot path, so it costs one timer and one promise: no race of extra promises.
 */
export function withDeadline<T>(
  store: string,
  operation: string,
  timeoutMs: number,
  run: () => Promise<T>,
  wrapError: (error: unknown) => SessionKitError = (error) => toStoreError(store, operation, error),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error instanceof SessionKitError ? error : wrapError(error));
    };
    const timer = setTimeout(() => fail(new StoreTimeoutError(timeoutMs, { store, operation })), timeoutMs);
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (error) {
      fail(error);
      return;
    }
    pending.then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
}

/** Wraps an unknown client error as a retryable {@link StoreUnavailableError} tagged with the store. */
export function toStoreError(store: string, operation: string, error: unknown): SessionKitError {
  return toSessionKitError(error, 'STORE_UNAVAILABLE', 'backend call failed', { store, operation });
}

/** Throws {@link PayloadTooLargeError} if `data` is larger than `limit` bytes. Call it before writing anything. */
export function assertPayloadFits(store: string, operation: string, data: Uint8Array, limit: number): void {
  if (data.byteLength > limit) throw new PayloadTooLargeError(data.byteLength, limit, { store, operation });
}

/** Whether a record with this deadline is still live at `now` (a record is dead from `expiresAt` on). */
export function isLive(expiresAt: number, now: number): boolean {
  return expiresAt > now;
}

/** Error codes of a connection that failed at the socket: the server is not reachable at all. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * The socket error code (`ECONNREFUSED`, `ECONNRESET`, ...) found in `error`, its `cause` chain or the errors of
 * an `AggregateError` (drivers nest them differently), or `undefined` when the failure is not a connection one.
 * Adapters use it to fail fast with {@link StoreUnavailableError} instead of waiting out their deadline.
 */
export function connectionErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const code = (next as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    queue.push((next as { cause?: unknown }).cause);
    const nested = (next as { errors?: unknown }).errors;
    if (Array.isArray(nested)) queue.push(...nested);
    else if (nested && typeof nested === 'object') queue.push(...Object.values(nested));
  }
  return undefined;
}

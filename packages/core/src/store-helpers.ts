/**
 * Helpers shared by every adapter, so that deadlines, size checks and expiry filtering behave the same on
 * all backends. Adapters import these instead of re-implementing them.
 *
 * @module
 */
import {
  ConfigurationError,
  PayloadTooLargeError,
  SessionKitError,
  StoreTimeoutError,
  toSessionKitError,
} from './errors.js';
import type { StoredSession } from './store.js';

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

/**
 * The native TTL, in whole units of `granularityMs`, for a record with deadline `expiresAt` written at `now`
 * (both epoch ms); at least one unit.
 *
 * Backends with a coarse clock count a TTL from their clock truncated to the unit: Cassandra deletes at
 * `floor(now / 1000) + ttl` seconds (measured: `TTL 2` written at .900 is gone 1.1 s later), memcached expires
 * items against its once-a-second `current_time`. Rounding the remaining time up (`ceil((expiresAt - now) / g)`)
 * can therefore end a record up to one unit *before* `expiresAt`. This picks the TTL whose deletion instant is
 * the first unit boundary at or after `expiresAt`: `ceil(expiresAt / g) - floor(now / g)`. The record then
 * never disappears early and outlives its deadline by less than one unit, during which the read-side filter
 * hides it. With `granularityMs = 1` it is exactly `expiresAt - now`.
 */
export function ttlInUnits(expiresAt: number, now: number, granularityMs: number): number {
  return Math.max(1, Math.ceil(expiresAt / granularityMs) - Math.floor(now / granularityMs));
}

/**
 * Checks the arguments every write receives, so that adapters reject malformed calls identically:
 * a non-empty key, a `Uint8Array` payload, integer version and deadline.
 */
export function assertValidRecord(store: string, operation: string, key: string, session: StoredSession): void {
  assertValidKey(store, operation, key);
  if (!(session.data instanceof Uint8Array)) {
    throw new ConfigurationError('session.data must be a Uint8Array', { store, operation });
  }
  if (!Number.isSafeInteger(session.version) || session.version < 1) {
    throw new ConfigurationError('session.version must be a positive integer', { store, operation });
  }
  if (!Number.isFinite(session.expiresAt)) {
    throw new ConfigurationError('session.expiresAt must be a finite epoch-millisecond number', { store, operation });
  }
}

/** Rejects empty or non-string keys before they reach a backend. */
export function assertValidKey(store: string, operation: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new ConfigurationError('a store key must be a non-empty string of at most 512 characters', {
      store,
      operation,
    });
  }
}

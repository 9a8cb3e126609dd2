/**
 * {@link LegacySessions}: the old app's express-session store (connect-redis, connect-memcached,
 * connect-dynamodb, any `Store`), called through its own callback API with a deadline, for the `legacy` option.
 *
 * @module
 */
import type { Clock } from '@sessionkit/core';
import { withDeadline } from '@sessionkit/core';

/** An express-session session object as its store returns it (parsed JSON, with the `cookie` field). */
export interface LegacySessionData {
  /** express-session's cookie settings; `expires` is when the session ends (a date, or its JSON string). */
  cookie?: { expires?: Date | string | null; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * What the `legacy` option needs from an express-session store: its `get` and `destroy`, with express-session's
 * callbacks. Every `Store` subclass has them, so a `RedisStore` (connect-redis), a `MemcachedStore`
 * (connect-memcached), a `DynamoDBStore` (connect-dynamodb), ... is passed as it is.
 */
export interface LegacyStore {
  /**
   * Calls back the session of `sid` (a {@link LegacySessionData}), or nothing (`null`/`undefined`) when the
   * store has none. Typed `unknown` so that any `Store`, whatever its session type, fits; the value is checked.
   */
  get(sid: string, callback: (error: unknown, session?: unknown) => void): unknown;
  /** Deletes the session of `sid`. */
  destroy(sid: string, callback?: (error?: unknown) => void): unknown;
}

/** The name failures of the old store are tagged with (`[legacy get] ...`). */
const STORE_NAME = 'legacy';

/**
 * Promise-returning access to a {@link LegacyStore}. Every call has a deadline: a failure, or no answer within
 * it, rejects with a `StoreUnavailableError` (`StoreTimeoutError`) tagged `legacy`, which the HTTP layer treats
 * as a store outage (503 by default).
 */
export class LegacySessions {
  readonly #store: LegacyStore;
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  /** `timeoutMs`: the deadline of each call; `clock` judges `cookie.expires`. */
  constructor(store: LegacyStore, timeoutMs: number, clock: Clock) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /**
   * The live session of `sid`, or `null`: missing, not an object, or past its `cookie.expires` (stores whose
   * native expiry lags, such as DynamoDB's TTL, may still return it; express-session would not use it).
   */
  async get(sid: string): Promise<LegacySessionData | null> {
    const session = await this.#call<unknown>('get', (done) => this.#store.get(sid, done));
    if (session === null || typeof session !== 'object' || Array.isArray(session)) return null;
    const expires = (session as LegacySessionData).cookie?.expires;
    // An unparseable date is no deadline, as for express-session (its Cookie then has an invalid expiry).
    if (expires !== undefined && expires !== null && new Date(expires).getTime() <= this.#clock.now()) return null;
    return session as LegacySessionData;
  }

  /** Deletes the session of `sid` from the old store. */
  destroy(sid: string): Promise<void> {
    return this.#call<void>('destroy', (done) => this.#store.destroy(sid, done));
  }

  #call<R>(operation: string, start: (done: (error: unknown, result?: R) => void) => unknown): Promise<R> {
    return withDeadline(
      STORE_NAME,
      operation,
      this.#timeoutMs,
      () =>
        new Promise<R>((resolve, reject) => {
          // Some stores also return a promise that settles with the callback's outcome: the callback decides.
          start((error, result) => (error ? reject(error) : resolve(result as R)));
        }),
    );
  }
}

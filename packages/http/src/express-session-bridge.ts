/**
 * `expressSessionStore(store, options)`: an express-session compatible store over any SessionKit
 * {@link SessionStore}, so an existing express-session app changes its backend (Redis, Memcached, Cassandra,
 * DynamoDB, Hazelcast, tiered, memory) without other changes.
 *
 * - The sid express-session hands over is hashed with `hashSessionId` before it reaches the store, so a dump
 *   of the store yields no usable cookie. express-session's sids (24 random bytes, 32 base64url characters by
 *   default, or whatever `genid` returns) are not SessionKit IDs, so they are only checked to be a bounded,
 *   printable string.
 * - The session object is stored as its JSON (`express-session-record.ts`); reading drops
 *   `__proto__`/`constructor`/`prototype` keys (express-session copies stored keys onto its Session object).
 * - `set` writes the whole session object, last write wins, as every express-session store does: two
 *   requests that changed the same session concurrently keep only the later one's object (docs/concurrency.md
 *   measures what that loses; `@sessionkit/http`'s own middleware merges per attribute instead). The write is
 *   a compare-and-set on the record version (create if absent, else update the version just read), so a
 *   destroyed session is never recreated by it; the `set`s of one process to one session run one at a time,
 *   and a set that loses to another process retries with jittered backoff until `retry.timeoutMs`, then fails
 *   with a 503 ({@link SessionBusyError}), never a 500. The version seen by `get` is remembered briefly so the
 *   usual get-then-set of one request costs a single conditional write.
 * - The record expires at `cookie.expires` (or after `ttl` for browser-session cookies); `touch` moves the
 *   record's expiry and nothing else: the stored cookie keeps the `expires` of the last `set`, as with
 *   connect-redis.
 * - `all`, `length` and `clear` work where the store offers the admin enumeration (`capabilities.scan`), keyed
 *   by the hashed key instead of the sid (`express-session-enumeration.ts`); elsewhere they fail with
 *   `UnsupportedOperationError`. express-session itself never calls them.
 * - `legacy`: a sid the store does not know is read through to the old express-session store and its session
 *   moved here, once (`express-session-read-through.ts`).
 * - Callbacks run on a tick of their own, outside any promise chain, so an exception thrown by a callback is
 *   an uncaught exception, as with express-session's own stores, never an unhandled rejection.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Clock, RetryOptions, SessionStore, StoredSession } from '@sessionkit/core';
import {
  ConfigurationError,
  hashSessionId,
  resolveRetryOptions,
  systemClock,
  WriteLanes,
  waitBeforeRetry,
} from '@sessionkit/core';
import { toHttpError } from './errors.js';
import { SessionEnumeration } from './express-session-enumeration.js';
import { LegacyReadThrough } from './express-session-read-through.js';
import type { ExpressSessionData } from './express-session-record.js';
import { decodeSession, encodeSession, sessionExpiry } from './express-session-record.js';
import type { LegacyStore } from './legacy-store.js';

export type { ExpressSessionData } from './express-session-record.js';

/** Node-style callback. */
export type StoreCallback<R = void> = (error?: unknown, result?: R) => void;

/** The express-session Store contract, as implemented by {@link expressSessionStore}. */
export interface ExpressSessionStore extends EventEmitter {
  /** Loads a session; calls back `null` when missing or expired. With `legacy`, a miss reads the old store through. */
  get(sid: string, callback?: StoreCallback<ExpressSessionData | null>): Promise<ExpressSessionData | null>;
  /** Saves a session: create if absent, else compare-and-set update. */
  set(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void>;
  /** Deletes a session (with `legacy`, from the old store too when it was never moved). */
  destroy(sid: string, callback?: StoreCallback): Promise<void>;
  /** Moves a session's expiry to its cookie's expiry, without rewriting data (the stored cookie is not updated). */
  touch(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void>;
  /**
   * Every session, keyed by its store key (the hash of its sid, which the bridge never knows), where the store
   * has `capabilities.scan`; elsewhere calls back `UnsupportedOperationError`.
   */
  all(callback?: StoreCallback<Record<string, ExpressSessionData>>): Promise<Record<string, ExpressSessionData>>;
  /** How many sessions there are, where the store has `capabilities.scan`; elsewhere `UnsupportedOperationError`. */
  length(callback?: StoreCallback<number>): Promise<number>;
  /** Deletes every session, where the store has `capabilities.scan`; elsewhere `UnsupportedOperationError`. */
  clear(callback?: StoreCallback): Promise<void>;
}

/** Options of {@link expressSessionStore}. */
export interface ExpressSessionStoreOptions {
  /** Lifetime of sessions whose cookie has no expiry (browser-session cookies), in ms. Default one day. */
  ttl?: number;
  /** How long a `set` that keeps losing to other processes retries, with jittered backoff. Default 5 s. */
  retry?: RetryOptions;
  /** Longest sid accepted. Default 256. */
  maxSidLength?: number;
  /** Versions remembered between `get` and `set` (per process). Default 10,000; 0 disables. */
  versionCacheSize?: number;
  /**
   * The express-session store the app used before (`new RedisStore({ client })` from connect-redis, a
   * connect-memcached or connect-dynamodb store, any `Store`), configured as before (same prefix and
   * serializer). A sid this store does not know is looked up there with its `get`; a live session found (by
   * its `cookie.expires`) is moved here under the sid's hashed key, once across processes, and then deleted
   * there (see `legacyDestroy`). A sid whose record is here never reaches the old store. Default: none.
   */
  legacy?: LegacyStore;
  /**
   * With `legacy`: `true` (default) deletes a moved session from the old store with its `destroy`; `false`
   * leaves it there to expire (a rollback to the old store then still finds it, as it was at the move).
   */
  legacyDestroy?: boolean;
  /** With `legacy`: deadline of each call to the old store, in ms. Default 5000. */
  legacyTimeoutMs?: number;
  /**
   * Hears of failures that do not fail the request: the old store's `destroy` after a move (the move stands;
   * the old record expires there). Default `console.error`.
   */
  onError?: (error: Error) => void;
  /**
   * express-session's `Store` class to extend. Default: resolved with `require('express-session')` from this
   * package, then from the working directory. Pass `session.Store` when your layout hides it.
   */
  Store?: new () => EventEmitter;
  /** Time source. Default the system clock. */
  clock?: Clock;
}

const SID_PATTERN = /^[\x21-\x7e]+$/;

function resolveBaseStore(): new () => EventEmitter {
  for (const base of [import.meta.url, `${process.cwd()}/`]) {
    try {
      const mod = createRequire(base)('express-session') as { Store?: new () => EventEmitter };
      if (typeof mod.Store === 'function') return mod.Store;
    } catch {
      // not installed there
    }
  }
  return EventEmitter;
}

/**
 * Runs an operation for express-session: outages become 503 errors for Express's error handling, and the
 * callback, if any, is called on a tick of its own, outside the promise chain, so that an exception it throws
 * is an uncaught exception (as with express-session's own stores), never an unhandled rejection. The returned
 * promise settles the same way; with a callback, its rejection counts as handled.
 */
function settle<R>(work: Promise<R>, callback: StoreCallback<R> | undefined): Promise<R> {
  const mapped = work.catch((error: unknown) => {
    throw toHttpError(error, 'express-session store call');
  });
  if (callback) {
    mapped.then(
      (result) => process.nextTick(callback, null, result),
      (error: unknown) => process.nextTick(callback, error),
    );
  }
  return mapped;
}

/**
 * Creates an express-session store over a SessionKit store:
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false, store: expressSessionStore(new RedisSessionStore(...)) }));
 * // Swapping stores without logging anyone out: sessions move over from the old store on first use.
 * app.use(session({ secret, resave: false, saveUninitialized: false, store: expressSessionStore(sessionKitStore, { legacy: new RedisStore({ client }) }) }));
 * ```
 * Extends express-session's `Store` class when express-session is installed (it is an optional peer).
 */
export function expressSessionStore(
  store: SessionStore,
  options: ExpressSessionStoreOptions = {},
): ExpressSessionStore {
  const ttl = options.ttl ?? 24 * 60 * 60 * 1000;
  const retry = resolveRetryOptions(options.retry);
  const maxSidLength = options.maxSidLength ?? 256;
  const cacheSize = options.versionCacheSize ?? 10_000;
  const clock = options.clock ?? systemClock;
  const legacyTimeoutMs = options.legacyTimeoutMs ?? 5000;
  if (!(ttl > 0) || !(maxSidLength >= 1) || !(cacheSize >= 0) || !(legacyTimeoutMs > 0)) {
    throw new ConfigurationError(
      'expressSessionStore: ttl, maxSidLength and legacyTimeoutMs must be positive, versionCacheSize >= 0',
    );
  }
  const legacy = options.legacy;
  if (legacy !== undefined && (typeof legacy.get !== 'function' || typeof legacy.destroy !== 'function')) {
    throw new ConfigurationError(
      'expressSessionStore: `legacy` must be an express-session store (with get and destroy)',
    );
  }
  const Base = options.Store ?? resolveBaseStore();
  const versions = new Map<string, number>();
  // Only exclusive work runs on these lanes (one `set` at a time per session); nothing is ever batched.
  const lanes = new WriteLanes<never>(async () => undefined);
  const enumeration = new SessionEnumeration(store);
  const readThrough =
    legacy === undefined
      ? undefined
      : new LegacyReadThrough({
          store,
          legacy,
          destroy: options.legacyDestroy ?? true,
          timeoutMs: legacyTimeoutMs,
          ttl,
          retry,
          clock,
          onError: options.onError ?? ((error) => console.error(error)),
        });

  const remember = (key: string, version: number | undefined): void => {
    if (cacheSize === 0) return;
    versions.delete(key);
    if (version === undefined) return;
    versions.set(key, version);
    if (versions.size > cacheSize) versions.delete(versions.keys().next().value as string);
  };
  const keyOf = (sid: unknown): string | undefined =>
    typeof sid === 'string' && sid.length <= maxSidLength && SID_PATTERN.test(sid) ? hashSessionId(sid) : undefined;
  const badSid = (): ConfigurationError => new ConfigurationError('expressSessionStore: invalid session id');

  async function get(sid: string): Promise<ExpressSessionData | null> {
    const key = keyOf(sid);
    if (key === undefined) return null;
    let stored = await store.get(key);
    if (!stored && readThrough) stored = await readThrough.read(sid, key);
    const session = stored ? decodeSession(stored.data) : null; // a corrupt record reads as missing
    remember(key, session ? stored!.version : undefined);
    return session;
  }

  async function set(sid: string, session: ExpressSessionData): Promise<void> {
    const key = keyOf(sid);
    if (key === undefined) throw badSid();
    const expiresAt = sessionExpiry(session, clock.now(), ttl);
    if (expiresAt <= clock.now()) {
      remember(key, undefined);
      await store.delete(key);
      return;
    }
    const data = encodeSession(session);
    await lanes.exclusive(key, async () => {
      const deadline = performance.now() + retry.timeoutMs;
      let known = versions.get(key);
      for (let attempt = 1; ; attempt++) {
        let current: StoredSession | null | undefined;
        if (known === undefined) {
          current = await store.get(key, { consistency: 'strong' });
          if (!current) {
            if (await store.create(key, { data, version: 1, expiresAt })) return remember(key, 1);
          } else {
            known = current.version;
          }
        }
        if (known !== undefined) {
          const next: StoredSession = { data, version: known + 1, expiresAt };
          if (current?.userId !== undefined) next.userId = current.userId;
          if (await store.update(key, next, known)) return remember(key, known + 1);
          known = undefined;
          remember(key, undefined);
        }
        await waitBeforeRetry(attempt, deadline, retry, { store: store.name, operation: 'set' });
      }
    });
  }

  async function destroy(sid: string): Promise<void> {
    const key = keyOf(sid);
    if (key === undefined) return;
    remember(key, undefined);
    // Nothing here: the session may still be in the old store only (never read since the swap).
    if (!(await store.delete(key)) && readThrough) await readThrough.destroy(sid);
  }

  async function touch(sid: string, session: ExpressSessionData): Promise<void> {
    const key = keyOf(sid);
    if (key === undefined) throw badSid();
    await store.touch(key, sessionExpiry(session, clock.now(), ttl));
  }

  async function clear(): Promise<void> {
    await enumeration.clear();
    versions.clear();
  }

  class SessionKitExpressStore extends Base implements ExpressSessionStore {
    get(sid: string, callback?: StoreCallback<ExpressSessionData | null>): Promise<ExpressSessionData | null> {
      return settle(get(sid), callback);
    }
    set(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void> {
      return settle(set(sid, session), callback);
    }
    destroy(sid: string, callback?: StoreCallback): Promise<void> {
      return settle(destroy(sid), callback);
    }
    touch(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void> {
      return settle(touch(sid, session), callback);
    }
    all(callback?: StoreCallback<Record<string, ExpressSessionData>>): Promise<Record<string, ExpressSessionData>> {
      return settle(enumeration.all(), callback);
    }
    length(callback?: StoreCallback<number>): Promise<number> {
      return settle(enumeration.length(), callback);
    }
    clear(callback?: StoreCallback): Promise<void> {
      return settle(clear(), callback);
    }
  }
  return new SessionKitExpressStore();
}

/**
 * `expressSessionStore(store)`: an express-session compatible store over any SessionKit {@link SessionStore},
 * so an existing express-session app changes its backend (Redis, Memcached, Cassandra, DynamoDB, Hazelcast,
 * tiered, memory) without other changes.
 *
 * - The sid express-session hands over is hashed with `hashSessionId` before it reaches the store, so a dump
 *   of the store yields no usable cookie. express-session's sids (24 random bytes, 32 base64url characters by
 *   default, or whatever `genid` returns) are not SessionKit IDs, so they are only checked to be a bounded,
 *   printable string.
 * - The session object (JSON, with its `cookie` field) is stored as UTF-8 bytes; reading drops
 *   `__proto__`/`constructor`/`prototype` keys (express-session copies stored keys onto its Session object).
 * - `set` writes the whole session object, last write wins, as every express-session store does: two
 *   requests that changed the same session concurrently keep only the later one's object (docs/concurrency.md
 *   measures what that loses; `@sessionkit/http`'s own middleware merges per attribute instead). The write is
 *   a compare-and-set on the record version (create if absent, else update the version just read), so a
 *   destroyed session is never recreated by it; the `set`s of one process to one session run one at a time,
 *   and a set that loses to another process retries with jittered backoff until `retry.timeoutMs`, then fails
 *   with a 503 ({@link SessionBusyError}), never a 500. The version seen by `get` is remembered briefly so the
 *   usual get-then-set of one request costs a single conditional write.
 * - The record expires at `cookie.expires` (or after `ttl` for browser-session cookies); `touch` moves it.
 * - `all`, `length` and `clear` are not supported: the SessionKit store contract has no enumeration, by
 *   design (backends expire records natively and are never scanned). They call back an
 *   `UnsupportedOperationError`. express-session itself never calls them.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Clock, RetryOptions, SessionStore, StoredSession } from '@sessionkit/core';
import {
  ConfigurationError,
  UnsupportedOperationError,
  WriteLanes,
  hashSessionId,
  resolveRetryOptions,
  systemClock,
  waitBeforeRetry,
} from '@sessionkit/core';
import { toHttpError } from './errors.js';

/** The express-session session object as the store sees it (JSON with a `cookie` field). */
export interface ExpressSessionData {
  cookie?: { expires?: Date | string | null; maxAge?: number | null; originalMaxAge?: number | null; [key: string]: unknown };
  [key: string]: unknown;
}

/** Node-style callback. */
export type StoreCallback<R = void> = (error?: unknown, result?: R) => void;

/** The express-session Store contract, as implemented by {@link expressSessionStore}. */
export interface ExpressSessionStore extends EventEmitter {
  /** Loads a session; calls back `null` when missing or expired. */
  get(sid: string, callback?: StoreCallback<ExpressSessionData | null>): Promise<ExpressSessionData | null>;
  /** Saves a session: create if absent, else compare-and-set update. */
  set(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void>;
  /** Deletes a session. */
  destroy(sid: string, callback?: StoreCallback): Promise<void>;
  /** Moves a session's expiry to its cookie's expiry, without rewriting data. */
  touch(sid: string, session: ExpressSessionData, callback?: StoreCallback): Promise<void>;
  /** Unsupported (no scans): calls back {@link UnsupportedOperationError}. */
  all(callback?: StoreCallback<never>): Promise<never>;
  /** Unsupported (no scans): calls back {@link UnsupportedOperationError}. */
  length(callback?: StoreCallback<never>): Promise<never>;
  /** Unsupported (no scans): calls back {@link UnsupportedOperationError}. */
  clear(callback?: StoreCallback<never>): Promise<never>;
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
   * express-session's `Store` class to extend. Default: resolved with `require('express-session')` from this
   * package, then from the working directory. Pass `session.Store` when your layout hides it.
   */
  Store?: new () => EventEmitter;
  /** Time source. Default the system clock. */
  clock?: Clock;
}

const SID_PATTERN = /^[\x21-\x7e]+$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

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
 * Creates an express-session store over a SessionKit store:
 * ```ts
 * app.use(session({ secret, resave: false, saveUninitialized: false, store: expressSessionStore(new RedisSessionStore(...)) }));
 * ```
 * Extends express-session's `Store` class when express-session is installed (it is an optional peer).
 */
export function expressSessionStore(store: SessionStore, options: ExpressSessionStoreOptions = {}): ExpressSessionStore {
  const ttl = options.ttl ?? 24 * 60 * 60 * 1000;
  const retry = resolveRetryOptions(options.retry);
  const maxSidLength = options.maxSidLength ?? 256;
  const cacheSize = options.versionCacheSize ?? 10_000;
  const clock = options.clock ?? systemClock;
  if (!(ttl > 0) || !(maxSidLength >= 1) || !(cacheSize >= 0)) {
    throw new ConfigurationError('expressSessionStore: ttl and maxSidLength must be positive, versionCacheSize >= 0');
  }
  const Base = options.Store ?? resolveBaseStore();
  const versions = new Map<string, number>();
  // Only exclusive work runs on these lanes (one `set` at a time per session); nothing is ever batched.
  const lanes = new WriteLanes<never>(async () => undefined);

  const remember = (key: string, version: number | undefined): void => {
    if (cacheSize === 0) return;
    versions.delete(key);
    if (version === undefined) return;
    versions.set(key, version);
    if (versions.size > cacheSize) versions.delete(versions.keys().next().value as string);
  };
  const keyOf = (sid: unknown): string | undefined =>
    typeof sid === 'string' && sid.length <= maxSidLength && SID_PATTERN.test(sid) ? hashSessionId(sid) : undefined;
  const expiryOf = (session: ExpressSessionData): number => {
    const expires = session.cookie?.expires;
    const at = expires === undefined || expires === null ? Number.NaN : new Date(expires).getTime();
    return Number.isFinite(at) ? at : clock.now() + ttl;
  };
  const badSid = (): ConfigurationError => new ConfigurationError('expressSessionStore: invalid session id');

  async function get(sid: string): Promise<ExpressSessionData | null> {
    const key = keyOf(sid);
    if (key === undefined) return null;
    const stored = await store.get(key);
    if (!stored) {
      remember(key, undefined);
      return null;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(stored.data), (name, value: unknown) => (FORBIDDEN.has(name) ? undefined : value));
    } catch {
      return null; // a corrupt record reads as missing
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    remember(key, stored.version);
    return parsed as ExpressSessionData;
  }

  async function set(sid: string, session: ExpressSessionData): Promise<void> {
    const key = keyOf(sid);
    if (key === undefined) throw badSid();
    const expiresAt = expiryOf(session);
    if (expiresAt <= clock.now()) {
      remember(key, undefined);
      await store.delete(key);
      return;
    }
    const data = encoder.encode(JSON.stringify(session));
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
    await store.delete(key);
  }

  async function touch(sid: string, session: ExpressSessionData): Promise<void> {
    const key = keyOf(sid);
    if (key === undefined) throw badSid();
    await store.touch(key, expiryOf(session));
  }

  const unsupported = (name: string): UnsupportedOperationError =>
    new UnsupportedOperationError(`${name}() needs a scan of all sessions, which SessionKit stores do not offer`, {
      store: store.name,
      operation: name,
    });

  /** Runs an operation with an optional callback; outages become 503 errors for Express's error handling. */
  function settle<R>(work: Promise<R>, callback: StoreCallback<R> | undefined): Promise<R> {
    const mapped = work.catch((error: unknown) => {
      throw toHttpError(error, 'express-session store call');
    });
    if (callback) {
      mapped.then(
        (result) => callback(null, result),
        (error: unknown) => callback(error),
      );
      mapped.catch(() => {});
    }
    return mapped;
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
    all(callback?: StoreCallback<never>): Promise<never> {
      return settle(Promise.reject(unsupported('all')), callback);
    }
    length(callback?: StoreCallback<never>): Promise<never> {
      return settle(Promise.reject(unsupported('length')), callback);
    }
    clear(callback?: StoreCallback<never>): Promise<never> {
      return settle(Promise.reject(unsupported('clear')), callback);
    }
  }
  return new SessionKitExpressStore();
}

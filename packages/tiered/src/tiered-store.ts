/**
 * A write-through {@link SessionStore} made of two others: a fast `cache` in front of a `durable` store that
 * is the source of truth.
 *
 * - Writes go to the durable store first, then to the cache with the same `expiresAt`; a compare-and-set is
 *   decided by the durable store alone.
 * - Reads try the cache, fall back to the durable store and backfill the cache (insert-only, then verified
 *   against the durable store, so a backfill racing a delete or an update never leaves a stale entry behind).
 * - `'strong'` reads and the user index go to the durable store.
 * - A failing cache degrades to durable-only: a circuit breaker bounds the time spent on it, every cache error
 *   is reported through `onCacheError` (without it, a process warning each time the breaker opens), and keys
 *   whose cache entry could not be fixed are remembered as dirty and never served from the cache until it has
 *   been cleared. A failing durable store fails the operation
 *   before the cache is touched, so the cache is never ahead of the durable store.
 *
 * @module
 */
import type {
  Clock,
  NearCacheOptions,
  ReadOptions,
  SessionKitError,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import {
  assertPayloadFits,
  assertValidRecord,
  NearCache,
  StoreClosedError,
  systemClock,
  toStoreError,
} from '@sessionkit/core';
import { warnCacheFailing } from './cache-warning.js';
import type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
import { CircuitBreaker } from './circuit-breaker.js';

/** Options for {@link TieredStore}. */
export interface TieredStoreOptions {
  /** The fast tier (e.g. Redis, Memcached, Hazelcast). */
  cache: SessionStore;
  /** The source of truth (e.g. Cassandra, DynamoDB). */
  durable: SessionStore;
  /** Name used in errors. Default `tiered(<cache>+<durable>)`. */
  name?: string;
  /** When to stop calling a failing cache, and when to try it again. */
  breaker?: CircuitBreakerOptions;
  /**
   * An optional in-process cache with a short staleness bound (`maxAgeMs`): changes made through other
   * processes are seen here at most that late; changes made through this store invalidate it at once. Off
   * unless given.
   */
  nearCache?: NearCacheOptions;
  /**
   * Called for every cache failure the store absorbed by falling back to the durable store. Without it, the
   * store emits a process warning (code {@link CACHE_FAILING_WARNING}) each time the breaker opens, i.e. once
   * per cache outage; isolated failures that do not open it are only counted (`stats.cacheErrors`).
   */
  onCacheError?: (error: SessionKitError, operation: string) => void;
  /** Most keys remembered as dirty while the cache is unreachable. Default 100,000. */
  maxDirtyKeys?: number;
  /** Time source for the breaker and the near cache. */
  clock?: Clock;
}

/** Counters describing how the tiers were used. */
export interface TieredStoreStats {
  cacheHits: number;
  cacheMisses: number;
  /** Cache calls skipped because the breaker was open, or that failed. */
  cacheBypassed: number;
  cacheErrors: number;
  nearHits: number;
  /** Keys that must not be served from the cache until their entry is cleared there. */
  dirtyKeys: number;
  /** The state of the breaker guarding the cache now. */
  breaker: BreakerState;
}

/** Dirty keys cleared from the cache after each successful cache call. */
const DRAIN_PER_CALL = 16;
/** Marks a cache call that did not happen or failed. */
const BYPASSED = Symbol('bypassed');

/** A write-through cache in front of a durable store; itself a {@link SessionStore}. */
export class TieredStore implements SessionStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The fast tier. */
  readonly cache: SessionStore;
  /** The source of truth. */
  readonly durable: SessionStore;
  readonly #breaker: CircuitBreaker;
  readonly #near: NearCache | undefined;
  readonly #onCacheError: ((error: SessionKitError, operation: string) => void) | undefined;
  readonly #clock: Clock;
  readonly #dirty = new Set<string>();
  /** Dirty keys whose background delete is in flight. */
  readonly #draining = new Set<string>();
  readonly #maxDirtyKeys: number;
  /** Set when the dirty set overflowed: the cache is then never read again by this instance. */
  #cacheUntrusted = false;
  #closed = false;
  readonly #stats = { cacheHits: 0, cacheMisses: 0, cacheBypassed: 0, cacheErrors: 0 };

  constructor(options: TieredStoreOptions) {
    const { cache, durable } = options;
    this.cache = cache;
    this.durable = durable;
    this.name = options.name ?? `tiered(${cache.name}+${durable.name})`;
    this.#clock = options.clock ?? systemClock;
    this.#breaker = new CircuitBreaker(options.breaker ?? {}, this.#clock);
    this.#near = options.nearCache ? new NearCache(options.nearCache) : undefined;
    this.#onCacheError = options.onCacheError;
    this.#maxDirtyKeys = options.maxDirtyKeys ?? 100_000;
    const capabilities: StoreCapabilities = {
      userIndex: durable.capabilities.userIndex,
      ttlGranularityMs: Math.max(cache.capabilities.ttlGranularityMs, durable.capabilities.ttlGranularityMs),
      maxPayloadBytes: Math.min(cache.capabilities.maxPayloadBytes, durable.capabilities.maxPayloadBytes),
      // 'strong' bypasses the cache, so it is always stronger than 'eventual' here.
      strongReads: true,
    };
    if (durable.capabilities.maxSessionsPerUser !== undefined) {
      capabilities.maxSessionsPerUser = durable.capabilities.maxSessionsPerUser;
    }
    this.capabilities = capabilities;
  }

  /** How the tiers were used so far. */
  get stats(): TieredStoreStats {
    return {
      ...this.#stats,
      nearHits: this.#near?.stats.hits ?? 0,
      dirtyKeys: this.#dirty.size,
      breaker: this.#breaker.state,
    };
  }

  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    this.#checkOpen('get');
    if (options?.consistency === 'strong') return this.durable.get(key, options);
    const near = this.#near;
    if (near === undefined) return this.#readTiers(key, options);
    return near.readThrough(
      key,
      () => this.#clock.now(),
      () => this.#readTiers(key, options),
    );
  }

  /** Reads through the cache tier, falling back to (and backfilling from) the durable tier. */
  async #readTiers(key: string, options: ReadOptions | undefined): Promise<StoredSession | null> {
    const cached = await this.#readCache(key);
    if (cached !== BYPASSED && cached !== null) {
      this.#stats.cacheHits++;
      return cached;
    }
    const stored = await this.durable.get(key, options);
    if (cached === null) {
      this.#stats.cacheMisses++;
      if (stored) await this.#backfill(key, stored);
    }
    return stored;
  }

  async create(key: string, session: StoredSession): Promise<boolean> {
    this.#checkWrite('create', key, session);
    return this.#writing(key, async () => {
      if (!(await this.durable.create(key, session))) return false;
      await this.#writeCache(key, () => this.cache.create(key, session));
      return true;
    });
  }

  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    this.#checkWrite('update', key, session);
    return this.#writing(key, async () => {
      if (!(await this.durable.update(key, session, expectedVersion))) return false;
      await this.#writeCache(key, () => this.cache.update(key, session, expectedVersion));
      return true;
    });
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    this.#checkOpen('touch');
    return this.#writing(key, async () => {
      const touched = await this.durable.touch(key, expiresAt);
      // A false from the cache just means it held nothing; a false from the durable store means the session
      // is gone, so the cache must not keep serving it.
      if (touched) await this.#writeCache(key, async () => (await this.cache.touch(key, expiresAt)) || true);
      else await this.#invalidate(key);
      return touched;
    });
  }

  async delete(key: string): Promise<boolean> {
    this.#checkOpen('delete');
    return this.#writing(key, async () => {
      const deleted = await this.durable.delete(key);
      await this.#invalidate(key);
      return deleted;
    });
  }

  /** Runs a write of `key` through the near cache, if there is one (it invalidates the key after the write). */
  #writing<T>(key: string, write: () => Promise<T>): Promise<T> {
    return this.#near === undefined ? write() : this.#near.writeThrough(key, write);
  }

  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.#checkOpen('listByUser');
    return this.durable.listByUser(userId);
  }

  /**
   * Deletes the user's sessions key by key through both tiers, so no cached copy survives; repeats while the
   * durable index still lists sessions (logins racing the logout), a bounded number of times.
   */
  async deleteByUser(userId: string): Promise<number> {
    this.#checkOpen('deleteByUser');
    // Each key counts once: an index may list a key twice (an entry not yet removed next to a newer one), and
    // a durable store that resolves an ambiguous conditional delete by reading the row back (Cassandra's
    // SERIAL read after a timeout) reports `true` to every delete of a row that is gone.
    const deleted = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const keys = [...new Set((await this.durable.listByUser(userId)).map((entry) => entry.key))];
      if (keys.length === 0) break;
      const results = await Promise.all(keys.map((key) => this.delete(key)));
      keys.forEach((key, index) => {
        if (results[index]) deleted.add(key);
      });
    }
    return deleted.size;
  }

  /** Closes both tiers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled([this.cache.close(), this.durable.close()]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw toStoreError(this.name, 'close', (failure as PromiseRejectedResult).reason);
  }

  /** Reads the cache unless the key is dirty, the breaker is open, or the cache fails. */
  async #readCache(key: string): Promise<StoredSession | null | typeof BYPASSED> {
    if (this.#cacheUntrusted) return BYPASSED;
    if (this.#dirty.has(key)) {
      const cleared = await this.#callCache('delete', () => this.cache.delete(key));
      if (cleared === BYPASSED) return BYPASSED;
      this.#dirty.delete(key);
      return null;
    }
    return this.#callCache('get', () => this.cache.get(key));
  }

  /**
   * Puts a durable read into the cache without ever overwriting (insert-only), then re-reads the durable
   * store: if the session was deleted or changed meanwhile, the fresh cache entry is removed again. Any
   * delete or update that finished before that re-read is therefore reflected, and one that finishes after
   * it runs its own cache step after our insert.
   */
  async #backfill(key: string, stored: StoredSession): Promise<void> {
    const created = await this.#callCache('create', () => this.cache.create(key, stored));
    if (created !== true) return;
    const current = await this.durable.get(key, { consistency: 'strong' });
    if (!current || current.version !== stored.version) await this.#invalidate(key);
  }

  /** Runs a cache write after a durable write; if it does not apply cleanly, the cache entry is dropped. */
  async #writeCache(key: string, write: () => Promise<boolean>): Promise<void> {
    if (this.#cacheUntrusted) return;
    if (this.#dirty.has(key)) return this.#invalidate(key);
    const applied = await this.#callCache('write', write);
    if (applied === BYPASSED) this.#markDirty(key);
    else if (!applied) await this.#invalidate(key);
  }

  /** Removes the key from the cache; if that cannot be done now, remembers it as dirty. */
  async #invalidate(key: string): Promise<void> {
    if (this.#cacheUntrusted) return;
    const result = await this.#callCache('delete', () => this.cache.delete(key));
    if (result === BYPASSED) this.#markDirty(key);
    else this.#dirty.delete(key);
  }

  #markDirty(key: string): void {
    if (this.#dirty.size >= this.#maxDirtyKeys) {
      // Too many keys to remember: stop reading the cache at all rather than risk serving a stale entry.
      this.#cacheUntrusted = true;
      this.#dirty.clear();
      return;
    }
    this.#dirty.add(key);
  }

  /** Calls the cache through the breaker; failures are reported and turned into {@link BYPASSED}. */
  async #callCache<R>(operation: string, call: () => Promise<R>): Promise<R | typeof BYPASSED> {
    if (!this.#breaker.allow()) {
      this.#stats.cacheBypassed++;
      return BYPASSED;
    }
    try {
      const result = await call();
      this.#breaker.succeeded();
      this.#drainDirty();
      return result;
    } catch (error) {
      const opened = this.#breaker.failed();
      this.#stats.cacheBypassed++;
      this.#stats.cacheErrors++;
      this.#reportCacheError(toStoreError(this.cache.name, operation, error), operation, opened);
      return BYPASSED;
    }
  }

  /**
   * Clears a few dirty keys from the cache in the background once it answers again. A key stays dirty (and
   * unread from the cache) until its delete has succeeded.
   */
  #drainDirty(): void {
    if (this.#dirty.size === this.#draining.size) return;
    let budget = DRAIN_PER_CALL;
    for (const key of this.#dirty) {
      if (this.#draining.has(key)) continue;
      if (budget-- === 0) break;
      this.#draining.add(key);
      this.cache
        .delete(key)
        .then(
          () => this.#dirty.delete(key),
          (error: unknown) => {
            this.#stats.cacheErrors++;
            this.#reportCacheError(toStoreError(this.cache.name, 'delete', error), 'delete', false);
          },
        )
        .finally(() => this.#draining.delete(key));
    }
  }

  /** Hands a cache error to `onCacheError`; without it, warns when the error opened the breaker (`opened`). */
  #reportCacheError(error: SessionKitError, operation: string, opened: boolean): void {
    if (this.#onCacheError !== undefined) this.#onCacheError(error, operation);
    else if (opened) warnCacheFailing(this.name, this.cache.name, error, operation);
  }

  #checkOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }

  #checkWrite(operation: string, key: string, session: StoredSession): void {
    this.#checkOpen(operation);
    assertValidRecord(this.name, operation, key, session);
    assertPayloadFits(this.name, operation, session.data, this.capabilities.maxPayloadBytes);
  }
}

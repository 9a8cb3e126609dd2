/**
 * {@link HazelcastSessionStore}: SessionKit's store contract on a Hazelcast IMap (hazelcast-client 5.x).
 *
 * One map entry per session: key `keyPrefix + key`, value a Compact record `{data, version, expiresAt,
 * userId}` (see record.ts), written with a native per-entry TTL that ends at the first whole second at or
 * after `expiresAt` (see ttl.ts). Every read also compares `expiresAt` with the clock, so a record is never
 * returned past its deadline even though the member still holds it for up to a second.
 *
 * Conditional writes use only primitives a plain member offers (no entry processors, no Java code):
 * `putIfAbsent(key, value, ttl)` for create, `replaceIfSame(key, old, new)` for update and touch, and
 * `remove(key, old)` when a write moves the deadline into the past. See docs/hazelcast.md for the TTL race
 * analysis around `replaceIfSame`.
 *
 * @module
 */
import {
  assertPayloadFits,
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  type Clock,
  ConfigurationError,
  ConflictError,
  isLive,
  type ReadOptions,
  type ScanOptions,
  type ScanPage,
  type SessionStore,
  type StoreCapabilities,
  StoreClosedError,
  type StoredSession,
  scanLimit,
  type UserSessionEntry,
  withDeadline,
} from '@sessionkit/core';
import type { Client as HazelcastClient, IMap } from 'hazelcast-client';
import { Connection } from './connection.js';
import { toHazelcastError } from './errors.js';
import { LastValueCache } from './last-value-cache.js';
import { type HazelcastSessionStoreOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type DecodedRecord, decodeRecord, encodeRecord, toStoredSession } from './record.js';
import { cursorKey, scanPage } from './scan.js';
import { HAZELCAST_TTL_GRANULARITY_MS, nativeTtlMs } from './ttl.js';
import { UserIndex } from './user-index.js';

type SessionMap = IMap<string, unknown>;

/** Whether a client's configuration declares a near cache that applies to `mapName` (exact or wildcard). */
function clientHasNearCache(client: HazelcastClient, mapName: string): boolean {
  const names = Object.keys(client.getConfig().nearCaches ?? {});
  return names.some((pattern) => {
    if (!pattern.includes('*')) return pattern === mapName;
    const [head, tail] = pattern.split('*', 2) as [string, string];
    return mapName.startsWith(head) && mapName.endsWith(tail) && mapName.length >= head.length + tail.length;
  });
}

/**
 * A {@link SessionStore} on a Hazelcast IMap.
 *
 * ```ts
 * const store = new HazelcastSessionStore({ members: ['127.0.0.1:5701'], clusterName: 'dev' });
 * await store.connect();
 * ```
 */
export class HazelcastSessionStore implements SessionStore {
  /** The store's name in errors (`'hazelcast'` unless configured). */
  readonly name: string;
  /** What this store supports; `strongReads` is true only when a near cache can serve eventual reads. */
  readonly capabilities: StoreCapabilities;
  /** The prefix prepended to every key. */
  readonly keyPrefix: string;
  /** The IMap holding the sessions. */
  readonly mapName: string;

  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #connection: Connection;
  readonly #cache: LastValueCache | undefined;
  readonly #userIndex: UserIndex;
  /** Whether `get` may be answered by a near cache (ours or one configured on a given client). */
  readonly #nearCached: boolean;
  #closed = false;

  /**
   * Creates the store. Nothing is contacted yet: the store connects at its first call, or at
   * {@link HazelcastSessionStore.connect}.
   * @throws ConfigurationError for invalid options.
   */
  constructor(options: HazelcastSessionStoreOptions = {}) {
    this.#options = resolveOptions(options);
    this.#clock = this.#options.clock;
    this.name = this.#options.name;
    this.keyPrefix = this.#options.keyPrefix;
    this.mapName = this.#options.mapName;
    this.#cache = this.#options.casCacheBytes > 0 ? new LastValueCache(this.#options.casCacheBytes) : undefined;
    this.#userIndex = new UserIndex({
      createIndex: this.#options.createIndex,
      keyPrefix: this.keyPrefix,
      clock: this.#clock,
      cache: this.#cache,
    });
    this.#connection = new Connection(this.#options, () => this.#userIndex.forget());
    this.#nearCached =
      this.#options.nearCache !== undefined ||
      (this.#options.client !== undefined && clientHasNearCache(this.#options.client, this.mapName));
    this.capabilities = {
      userIndex: true,
      ttlGranularityMs: HAZELCAST_TTL_GRANULARITY_MS,
      maxPayloadBytes: this.#options.maxPayloadBytes,
      strongReads: this.#nearCached,
      // Admin enumeration in key order, one PagingPredicate query per page (see scan.ts).
      scan: true,
    };
  }

  /**
   * Connects (if the store owns its client) and makes sure the `userId` index exists; resolves at once when
   * that is done already. Members that refuse the connection reject it at once.
   * @throws StoreUnavailableError (with the socket error as `cause` when every member refused) or
   *   StoreTimeoutError if no member answers within `connectTimeoutMs`.
   */
  async connect(): Promise<void> {
    this.#assertOpen('connect');
    const timeout = this.#options.connectTimeoutMs + this.#options.operationTimeoutMs;
    await withDeadline(
      this.name,
      'connect',
      timeout,
      async () => this.#userIndex.ensure(await this.#connection.map()),
      (error) => toHazelcastError(this.name, 'connect', error, timeout),
    );
  }

  /** Reads a live record (`'strong'` bypasses any near cache), or `null` if missing or past `expiresAt`. */
  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    assertValidKey(this.name, 'get', key);
    const k = this.#backendKey(key);
    const strong = options?.consistency === 'strong';
    return this.#run('get', async (map) => {
      const record = strong ? await this.#readFresh(map, k) : decodeRecord(await map.get(k));
      if (record === undefined || !isLive(record.expiresAt, this.#clock.now())) {
        this.#cache?.delete(k);
        return null;
      }
      this.#cache?.set(k, record);
      // With a near cache (OBJECT format) the record instance is shared with other readers: hand out a copy.
      // Without one, a view is enough: the buffer is only used by this store for CAS comparisons, and a caller
      // mutating it at worst makes one compare-and-set fail and re-read.
      return toStoredSession(record, this.#nearCached);
    });
  }

  /** Inserts the record unless a live one holds the key (`putIfAbsent` with TTL). */
  async create(key: string, session: StoredSession): Promise<boolean> {
    assertValidRecord(this.name, 'create', key, session);
    assertPayloadFits(this.name, 'create', session.data, this.#options.maxPayloadBytes);
    const k = this.#backendKey(key);
    return this.#run('create', async (map) => {
      if (!isLive(session.expiresAt, this.#clock.now())) {
        // Born expired: there is nothing readable to store (and a TTL <= 0 would mean "never expire" to
        // Hazelcast). The key only counts as taken if a live record holds it.
        const current = await this.#readFresh(map, k);
        return current === undefined || !isLive(current.expiresAt, this.#clock.now());
      }
      const next = encodeRecord(session);
      for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
        const previous = await map.putIfAbsent(k, next.raw, nativeTtlMs(session.expiresAt, this.#clock.now()));
        if (previous === null || previous === undefined) {
          this.#cache?.set(k, next);
          return true;
        }
        const current = decodeRecord(previous);
        if (current !== undefined && isLive(current.expiresAt, this.#clock.now())) {
          this.#cache?.set(k, current);
          return false;
        }
        // Expired but still present: the member drops an entry only at the whole second after its deadline
        // (ttl.ts), so for up to a second `putIfAbsent` sees a record the read filter already hides. Take the
        // key over atomically from exactly that value; if it changed or vanished meanwhile, start again.
        if (await map.replaceIfSame(k, previous, next.raw)) {
          await this.#applyTtl(map, k, session.expiresAt);
          this.#cache?.set(k, next);
          return true;
        }
      }
      throw this.#casExhausted('create');
    });
  }

  /** Compare-and-set on `version` (`replaceIfSame` + `setTtl`); keeps the stored `userId`. */
  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    assertValidRecord(this.name, 'update', key, session);
    if (!Number.isSafeInteger(expectedVersion)) {
      throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
    }
    assertPayloadFits(this.name, 'update', session.data, this.#options.maxPayloadBytes);
    const k = this.#backendKey(key);
    return this.#run('update', (map) =>
      this.#conditionalWrite(
        map,
        k,
        'update',
        (current) => current.version === expectedVersion,
        (current) =>
          // The owner is fixed at create: keep the stored userId whatever the caller passed.
          this.#replace(map, k, current, { ...session, userId: current.userId }),
      ),
    );
  }

  /** Moves `expiresAt` of a live record, nothing else (`replaceIfSame` + `setTtl`); never resurrects. */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    const k = this.#backendKey(key);
    return this.#run('touch', (map) =>
      this.#conditionalWrite(
        map,
        k,
        'touch',
        () => true,
        (current) =>
          // Same data, version and owner; only the deadline (and so the native TTL) moves. replaceIfSame fails
          // if the record was deleted or changed since we read it, so a touch never resurrects or rolls back.
          this.#replace(map, k, current, {
            data: current.data,
            version: current.version,
            expiresAt,
            userId: current.userId,
          }),
      ),
    );
  }

  /** Removes the record; `true` if it was live. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(this.name, 'delete', key);
    const k = this.#backendKey(key);
    return this.#run('delete', async (map) => {
      const previous = await map.remove(k);
      this.#cache?.delete(k);
      const record = decodeRecord(previous);
      return record !== undefined && isLive(record.expiresAt, this.#clock.now());
    });
  }

  /** The live sessions of `userId` under this prefix, through the `userId` index. */
  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    assertValidUserId(this.name, 'listByUser', userId);
    return this.#run('listByUser', (map) => this.#userIndex.list(map, userId));
  }

  /** Removes every live session of `userId` under this prefix; resolves how many were live. */
  async deleteByUser(userId: string): Promise<number> {
    assertValidUserId(this.name, 'deleteByUser', userId);
    return this.#run('deleteByUser', (map) => this.#userIndex.deleteAll(map, userId));
  }

  /**
   * Admin enumeration (never the request path): this prefix's live records in key order, one
   * `PagingPredicate` query of at most `limit` entries per call, resumed after the last key of the previous
   * page (the cursor), so a walk resumes in another process and is not disturbed by members joining or
   * leaving. Each page queries every entry of the map on every member: see docs/hazelcast.md for the cost.
   * Never served by a near cache. A malformed cursor rejects with `ConfigurationError`.
   */
  async scan(options: ScanOptions = {}): Promise<ScanPage> {
    this.#assertOpen('scan');
    const limit = scanLimit(this.name, options.limit);
    const after = cursorKey(this.name, options.cursor);
    return this.#run('scan', (map) => scanPage(map, this.keyPrefix, after, limit, () => this.#clock.now()));
  }

  /** Shuts down the client if the store created it; a given client is left running. Further calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache?.clear();
    try {
      await this.#connection.close();
    } catch (error) {
      throw toHazelcastError(this.name, 'close', error, this.#options.operationTimeoutMs);
    }
  }

  /** The sessions IMap (escape hatch for tests and tooling; values are Compact generic records). */
  async map(): Promise<SessionMap> {
    this.#assertOpen('map');
    return this.#connection.map();
  }

  /** The client in use (connecting first if the store owns its client and has none right now). */
  async client(): Promise<HazelcastClient> {
    this.#assertOpen('client');
    return this.#connection.client();
  }

  // ---------------------------------------------------------------------------------------------------------

  /** The map key of a store key. */
  #backendKey(key: string): string {
    return this.keyPrefix + key;
  }

  /**
   * Read-check-CAS loop shared by update and touch, at most `maxCasAttempts` rounds. Starts from the cached
   * value when there is one (saving a round trip); whenever the CAS fails or the cached value cannot be
   * trusted, reads the record and decides again. Ends with `false` as soon as a freshly read record is
   * missing, expired or not `usable`.
   */
  async #conditionalWrite(
    map: SessionMap,
    k: string,
    operation: string,
    usable: (current: DecodedRecord) => boolean,
    write: (current: DecodedRecord) => Promise<boolean>,
  ): Promise<boolean> {
    let current = this.#cache?.get(k);
    let fresh = false;
    for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
      if (current === undefined || (!fresh && !(isLive(current.expiresAt, this.#clock.now()) && usable(current)))) {
        current = await this.#readFresh(map, k);
        fresh = true;
      }
      if (current === undefined || !isLive(current.expiresAt, this.#clock.now()) || !usable(current)) {
        if (current !== undefined && isLive(current.expiresAt, this.#clock.now())) this.#cache?.set(k, current);
        else this.#cache?.delete(k);
        return false;
      }
      if (await write(current)) return true;
      current = undefined; // the stored value is not the one we compared against any more: read it again
    }
    throw this.#casExhausted(operation);
  }

  /**
   * Atomically replaces exactly `current` by `next`. A deadline already past becomes a conditional removal
   * (`remove(key, old)`): the record must disappear at once, and Hazelcast has no TTL meaning "now".
   */
  async #replace(
    map: SessionMap,
    k: string,
    current: DecodedRecord,
    next: { data: Uint8Array; version: number; expiresAt: number; userId: string | undefined },
  ): Promise<boolean> {
    if (!isLive(next.expiresAt, this.#clock.now())) {
      const removed = (await map.remove(k, current.raw)) as boolean;
      if (removed) this.#cache?.delete(k);
      return removed;
    }
    const encoded = encodeRecord(next);
    if (!(await map.replaceIfSame(k, current.raw, encoded.raw))) return false;
    await this.#applyTtl(map, k, next.expiresAt);
    this.#cache?.set(k, encoded);
    return true;
  }

  /**
   * Re-applies the native TTL after a `replaceIfSame`.
   *
   * Quirk: in the Node client `replaceIfSame` takes no TTL, and the member resets the entry's TTL to the map
   * default (infinite unless the member config sets `time-to-live-seconds`) on replace. The compare-and-set
   * itself is one atomic call; the TTL follows in a second call. Consequences, all bounded:
   * - between the two calls the entry has no TTL, but it carries its own `expiresAt`, so every read (and
   *   every conditional write) treats it as gone from its deadline on; only the purge waits for `setTtl`.
   * - if this process dies (or `setTtl` fails) between the two, the purge never happens by itself: the
   *   operation fails with a typed error, the record stays invisible after its deadline, and a later create
   *   on the key takes it over. docs/hazelcast.md recommends a map-level `time-to-live-seconds` (the
   *   absolute session lifetime) on the members as the safety net for that case.
   * - two writers' `setTtl` calls can land in the opposite order of their `replaceIfSame` calls, giving the
   *   newer value the older writer's TTL. Both TTLs are rounded up to the same whole second unless the
   *   writers' deadlines differ by more than the time between their calls, and the read filter covers a
   *   longer TTL; a shorter one can only purge the newer record that much early.
   * `setTtl` on a record deleted meanwhile returns false and changes nothing (never resurrects).
   */
  async #applyTtl(map: SessionMap, k: string, expiresAt: number): Promise<void> {
    await map.setTtl(k, nativeTtlMs(expiresAt, this.#clock.now()));
  }

  /**
   * Reads the record from its partition owner, bypassing any near cache. `getEntryView` is not served by the
   * Node client's near cache (only `get`/`getAll`/`containsKey` are), so it is used when one may exist.
   */
  async #readFresh(map: SessionMap, k: string): Promise<DecodedRecord | undefined> {
    if (!this.#nearCached) return decodeRecord(await map.get(k));
    const view = await map.getEntryView(k);
    return view === null || view === undefined ? undefined : decodeRecord(view.value);
  }

  /** Runs `body` on the sessions map under the operation deadline, connecting first if needed. */
  #run<T>(operation: string, body: (map: SessionMap) => Promise<T>): Promise<T> {
    this.#assertOpen(operation);
    const timeout = this.#options.operationTimeoutMs;
    return withDeadline(
      this.name,
      operation,
      timeout,
      () => {
        const map = this.#connection.mapNow();
        return map !== undefined ? body(map) : this.#connection.map().then(body);
      },
      (error) => toHazelcastError(this.name, operation, error, timeout),
    ).then(this.#succeeded, this.#failed);
  }

  /** Tells the connection a call worked (it watches for a wedged client: see Connection.noteFailure). */
  readonly #succeeded = <T>(value: T): T => {
    this.#connection.noteSuccess();
    return value;
  };

  /** Tells the connection a call failed, then rethrows the error. */
  readonly #failed = (error: unknown): never => {
    this.#connection.noteFailure(error);
    throw error;
  };

  /** The error of a compare-and-set loop that lost `maxCasAttempts` rounds in a row to other writers. */
  #casExhausted(operation: string): ConflictError {
    return new ConflictError(`the key kept changing during ${this.#options.maxCasAttempts} compare-and-set attempts`, {
      store: this.name,
      operation,
    });
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }
}

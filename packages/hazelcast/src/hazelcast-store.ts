/**
 * {@link HazelcastSessionStore}: SessionKit's store contract on a Hazelcast IMap (hazelcast-client 5.x).
 *
 * One map entry per session: key `prefix + key`, value a Compact record `{data, version, expiresAt, userId}`
 * (see record-codec.ts), written with a native per-entry TTL that ends at the first whole second at or after
 * `expiresAt` (see ttl.ts). Every read also compares `expiresAt` with the clock, so a record is never returned
 * past its deadline even though the member still holds it for up to a second.
 *
 * Conditional writes use only primitives a plain member offers (no entry processors, no Java code):
 * `putIfAbsent(key, value, ttl)` for create, `replaceIfSame(key, old, new)` for update and touch, and
 * `remove(key, old)` when a write moves the deadline into the past. See docs/hazelcast.md for the TTL race
 * analysis around `replaceIfSame`.
 *
 * @module
 */
import {
  ConfigurationError,
  StoreClosedError,
  StoreTimeoutError,
  assertPayloadFits,
  assertValidKey,
  assertValidRecord,
  isLive,
  withDeadline,
  type ReadOptions,
  type SessionStore,
  type StoreCapabilities,
  type StoredSession,
  type UserSessionEntry,
} from '@sessionkit/core';
import { Predicates, type Client as HazelcastClient, type IMap } from 'hazelcast-client';
import { CasCache } from './cas-cache.js';
import { Connection } from './connection.js';
import { wrapHazelcastError } from './errors.js';
import { resolveOptions, type HazelcastSessionStoreOptions, type ResolvedOptions } from './options.js';
import { FIELD, decodeRecord, encodeRecord, toStoredSession, type DecodedRecord } from './record-codec.js';
import { HAZELCAST_TTL_GRANULARITY_MS, nativeTtlMs } from './ttl.js';

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
 * const store = await HazelcastSessionStore.connect({ members: ['127.0.0.1:5701'], clusterName: 'dev' });
 * ```
 */
export class HazelcastSessionStore implements SessionStore {
  /** The store's name in errors (`'hazelcast'` unless configured). */
  readonly name: string;
  /** What this store supports; `strongReads` is true only when a near cache can serve eventual reads. */
  readonly capabilities: StoreCapabilities;
  /** The prefix prepended to every key. */
  readonly prefix: string;
  /** The IMap holding the sessions. */
  readonly mapName: string;

  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  private readonly cache: CasCache | undefined;
  /** Whether `get` may be answered by a near cache (ours or one configured on a given client). */
  private readonly nearCached: boolean;
  private closed = false;

  /**
   * Creates the store. Nothing is contacted yet: an owned client connects at the first call (use
   * {@link HazelcastSessionStore.connect} to connect eagerly and fail fast).
   * @throws ConfigurationError for invalid options.
   */
  constructor(options: HazelcastSessionStoreOptions = {}) {
    this.options = resolveOptions(options);
    this.name = this.options.name;
    this.prefix = this.options.prefix;
    this.mapName = this.options.mapName;
    this.connection = new Connection(this.options);
    this.cache = this.options.casCacheBytes > 0 ? new CasCache(this.options.casCacheBytes) : undefined;
    this.nearCached =
      this.options.nearCache !== undefined ||
      (this.options.client !== undefined && clientHasNearCache(this.options.client, this.mapName));
    this.capabilities = {
      userIndex: true,
      ttlGranularityMs: HAZELCAST_TTL_GRANULARITY_MS,
      maxPayloadBytes: this.options.maxPayloadBytes,
      strongReads: this.nearCached,
    };
  }

  /**
   * Creates the store and waits until it reached the cluster and the `userId` index exists.
   * @throws StoreUnavailableError / StoreTimeoutError if no member answers within `connectTimeoutMs`.
   */
  static async connect(options: HazelcastSessionStoreOptions = {}): Promise<HazelcastSessionStore> {
    const store = new HazelcastSessionStore(options);
    try {
      await store.ready();
    } catch (error) {
      await store.close().catch(() => {
        // The connect error is the one worth reporting; closing a never-connected client has nothing to add.
      });
      throw error;
    }
    return store;
  }

  /** Connects (if the store owns its client) and makes sure the `userId` index exists. */
  async ready(): Promise<void> {
    this.assertOpen('ready');
    const timeout = this.options.connectTimeoutMs + this.options.operationTimeoutMs;
    await withDeadline(
      this.name,
      'connect',
      timeout,
      async () => {
        await this.connection.map();
        await this.connection.ensureIndex();
      },
      (error) => wrapHazelcastError(this.name, 'connect', timeout, error),
    );
  }

  /** The sessions IMap (escape hatch for tests and tooling; values are Compact generic records). */
  async map(): Promise<SessionMap> {
    this.assertOpen('map');
    return this.connection.map();
  }

  /** The client in use (connecting first if the store owns its client and has none right now). */
  async client(): Promise<HazelcastClient> {
    this.assertOpen('client');
    return this.connection.client();
  }

  /** The map key of a store key: `prefix + key`. */
  backendKey(key: string): string {
    return this.prefix + key;
  }

  /** Reads a live record (`'strong'` bypasses any near cache), or `null` if missing or past `expiresAt`. */
  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    assertValidKey(this.name, 'get', key);
    const k = this.prefix + key;
    const strong = options?.consistency === 'strong';
    return this.run('get', async (map) => {
      const record = strong ? await this.readFresh(map, k) : decodeRecord(await map.get(k));
      if (record === undefined || !isLive(record.expiresAt, Date.now())) {
        this.cache?.delete(k);
        return null;
      }
      this.cache?.set(k, record);
      // With a near cache (OBJECT format) the record instance is shared with other readers: hand out a copy.
      // Without one, a view is enough: the buffer is only used by this store for CAS comparisons, and a caller
      // mutating it at worst makes one compare-and-set fail and re-read.
      return toStoredSession(record, this.nearCached);
    });
  }

  /** Inserts the record unless a live one holds the key (`putIfAbsent` with TTL). */
  async create(key: string, session: StoredSession): Promise<boolean> {
    assertValidRecord(this.name, 'create', key, session);
    assertPayloadFits(this.name, 'create', session.data, this.options.maxPayloadBytes);
    const k = this.prefix + key;
    return this.run('create', async (map, deadline) => {
      if (!isLive(session.expiresAt, Date.now())) {
        // Born expired: there is nothing readable to store (and a TTL <= 0 would mean "never expire" to
        // Hazelcast). The key only counts as taken if a live record holds it.
        const current = await this.readFresh(map, k);
        return current === undefined || !isLive(current.expiresAt, Date.now());
      }
      const next = encodeRecord(session);
      for (;;) {
        this.checkDeadline('create', deadline);
        const previous = await map.putIfAbsent(k, next.raw, nativeTtlMs(session.expiresAt, Date.now()));
        if (previous === null || previous === undefined) {
          this.cache?.set(k, next);
          return true;
        }
        const current = decodeRecord(previous);
        if (current !== undefined && isLive(current.expiresAt, Date.now())) {
          this.cache?.set(k, current);
          return false;
        }
        // Expired but still present: the member drops an entry only at the whole second after its deadline
        // (ttl.ts), so for up to a second `putIfAbsent` sees a record the read filter already hides. Take the
        // key over atomically from exactly that value; if it changed or vanished meanwhile, start again.
        if (await map.replaceIfSame(k, previous, next.raw)) {
          await this.applyTtl(map, k, session.expiresAt);
          this.cache?.set(k, next);
          return true;
        }
      }
    });
  }

  /** Compare-and-set on `version` (`replaceIfSame` + `setTtl`); keeps the stored `userId`. */
  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    assertValidRecord(this.name, 'update', key, session);
    if (!Number.isSafeInteger(expectedVersion)) {
      throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
    }
    assertPayloadFits(this.name, 'update', session.data, this.options.maxPayloadBytes);
    const k = this.prefix + key;
    return this.run('update', (map, deadline) =>
      this.conditionalWrite(map, k, 'update', deadline, (current) => current.version === expectedVersion, (current) =>
        // The owner is fixed at create: keep the stored userId whatever the caller passed.
        this.replace(map, k, current, { ...session, userId: current.userId }),
      ),
    );
  }

  /** Moves `expiresAt` of a live record, nothing else (`replaceIfSame` + `setTtl`); never resurrects. */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    assertValidKey(this.name, 'touch', key);
    if (!Number.isFinite(expiresAt)) {
      throw new ConfigurationError('expiresAt must be a finite epoch-millisecond number', {
        store: this.name,
        operation: 'touch',
      });
    }
    const k = this.prefix + key;
    return this.run('touch', (map, deadline) =>
      this.conditionalWrite(map, k, 'touch', deadline, () => true, (current) =>
        // Same data, version and owner; only the deadline (and so the native TTL) moves. replaceIfSame fails
        // if the record was deleted or changed since we read it, so a touch never resurrects or rolls back.
        this.replace(map, k, current, {
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
    const k = this.prefix + key;
    return this.run('delete', async (map) => {
      const previous = await map.remove(k);
      this.cache?.delete(k);
      const record = decodeRecord(previous);
      return record !== undefined && isLive(record.expiresAt, Date.now());
    });
  }

  /** The live sessions of `userId` under this prefix, through the `userId` index. */
  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.assertUserId('listByUser', userId);
    return this.run('listByUser', async (map) => {
      const live = await this.queryUser(map, userId);
      return live.map(([k, record]) => ({ key: k.slice(this.prefix.length), expiresAt: record.expiresAt }));
    });
  }

  /** Removes every live session of `userId` under this prefix; resolves how many were live. */
  async deleteByUser(userId: string): Promise<number> {
    this.assertUserId('deleteByUser', userId);
    return this.run('deleteByUser', async (map) => {
      const live = await this.queryUser(map, userId);
      const removed = await Promise.all(
        live.map(async ([k]) => {
          // Unconditional: "log out everywhere" must also kill a session updated since the query.
          const previous = decodeRecord(await map.remove(k));
          this.cache?.delete(k);
          return previous !== undefined && isLive(previous.expiresAt, Date.now());
        }),
      );
      return removed.filter(Boolean).length;
    });
  }

  /** Shuts down the client if the store created it; a given client is left running. Further calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache?.clear();
    try {
      await this.connection.close();
    } catch (error) {
      throw wrapHazelcastError(this.name, 'close', this.options.operationTimeoutMs, error);
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  /**
   * The live sessions of `userId` under our prefix, through the `userId` hash index: each member looks up
   * only that user's entries (O(sessions of the user)), and the member-side `expiresAt` predicate drops the
   * expired-but-unpurged ones. The index lives in the entry itself, so it can never disagree with the
   * sessions, whatever logins and logouts race.
   */
  private async queryUser(map: SessionMap, userId: string): Promise<[string, DecodedRecord][]> {
    await this.connection.ensureIndex();
    const predicate = Predicates.and(
      Predicates.equal(FIELD.userId, userId),
      Predicates.greaterThan(FIELD.expiresAt, Date.now()),
    );
    const entries = await map.entrySetWithPredicate(predicate);
    const now = Date.now();
    const live: [string, DecodedRecord][] = [];
    for (const [k, value] of entries) {
      // The map may be shared by several stores with different prefixes: keep ours only.
      if (!k.startsWith(this.prefix)) continue;
      const record = decodeRecord(value);
      if (record !== undefined && record.userId === userId && isLive(record.expiresAt, now)) live.push([k, record]);
    }
    return live;
  }

  /**
   * Read-check-CAS loop shared by update and touch. Starts from the cached value when there is one (saving
   * a round trip); whenever the CAS fails or the cached value cannot be trusted, reads the record and
   * decides again. Ends with `false` as soon as a freshly read record is missing, expired or not `usable`.
   */
  private async conditionalWrite(
    map: SessionMap,
    k: string,
    operation: string,
    deadline: number,
    usable: (current: DecodedRecord) => boolean,
    write: (current: DecodedRecord) => Promise<boolean>,
  ): Promise<boolean> {
    let current = this.cache?.get(k);
    let fresh = false;
    for (;;) {
      this.checkDeadline(operation, deadline);
      if (current === undefined || (!fresh && !(isLive(current.expiresAt, Date.now()) && usable(current)))) {
        current = await this.readFresh(map, k);
        fresh = true;
      }
      if (current === undefined || !isLive(current.expiresAt, Date.now()) || !usable(current)) {
        if (current !== undefined && isLive(current.expiresAt, Date.now())) this.cache?.set(k, current);
        else this.cache?.delete(k);
        return false;
      }
      if (await write(current)) return true;
      current = undefined; // the stored value is not the one we compared against any more: read it again
    }
  }

  /**
   * Atomically replaces exactly `current` by `next`. A deadline already past becomes a conditional removal
   * (`remove(key, old)`): the record must disappear at once, and Hazelcast has no TTL meaning "now".
   */
  private async replace(
    map: SessionMap,
    k: string,
    current: DecodedRecord,
    next: { data: Uint8Array; version: number; expiresAt: number; userId: string | undefined },
  ): Promise<boolean> {
    if (!isLive(next.expiresAt, Date.now())) {
      const removed = (await map.remove(k, current.raw)) as boolean;
      if (removed) this.cache?.delete(k);
      return removed;
    }
    const encoded = encodeRecord(next);
    if (!(await map.replaceIfSame(k, current.raw, encoded.raw))) return false;
    await this.applyTtl(map, k, next.expiresAt);
    this.cache?.set(k, encoded);
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
  private async applyTtl(map: SessionMap, k: string, expiresAt: number): Promise<void> {
    await map.setTtl(k, nativeTtlMs(expiresAt, Date.now()));
  }

  /**
   * Reads the record from its partition owner, bypassing any near cache. `getEntryView` is not served by the
   * Node client's near cache (only `get`/`getAll`/`containsKey` are), so it is used when one may exist.
   */
  private async readFresh(map: SessionMap, k: string): Promise<DecodedRecord | undefined> {
    if (!this.nearCached) return decodeRecord(await map.get(k));
    const view = await map.getEntryView(k);
    return view === null || view === undefined ? undefined : decodeRecord(view.value);
  }

  private run<T>(operation: string, body: (map: SessionMap, deadline: number) => Promise<T>): Promise<T> {
    this.assertOpen(operation);
    const timeout = this.options.operationTimeoutMs;
    const deadline = Date.now() + timeout;
    return withDeadline(
      this.name,
      operation,
      timeout,
      () => {
        const map = this.connection.mapNow();
        return map !== undefined ? body(map, deadline) : this.connection.map().then((m) => body(m, deadline));
      },
      (error) => wrapHazelcastError(this.name, operation, timeout, error),
    );
  }

  /** Stops a retry loop whose caller has already been failed by withDeadline. */
  private checkDeadline(operation: string, deadline: number): void {
    if (Date.now() >= deadline) {
      throw new StoreTimeoutError(this.options.operationTimeoutMs, { store: this.name, operation });
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new StoreClosedError({ store: this.name, operation });
  }

  private assertUserId(operation: string, userId: string): void {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new ConfigurationError('userId must be a non-empty string', { store: this.name, operation });
    }
  }
}

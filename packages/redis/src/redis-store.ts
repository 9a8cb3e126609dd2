/**
 * {@link RedisSessionStore}: the SessionKit store on ioredis, for standalone Redis, Sentinel and Redis Cluster.
 *
 * Key design (see docs/redis.md):
 * - session `keyPrefix + key` → one binary string (header + data, `record.ts`), native TTL via `PX`/`PEXPIRE`;
 * - user index `userIndexPrefix + userId` → ZSET of keys scored by "indexed until" (`user-index.ts`).
 * Every script touches one key, so no two keys ever need to share a hash slot; Cluster routes each call
 * by its own key.
 *
 * @module
 */
import type {
  Clock,
  NearCacheStats,
  ReadOptions,
  ScanEntry,
  ScanOptions,
  ScanPage,
  SessionKitError,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import {
  assertPayloadFits,
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  ConfigurationError,
  isLive,
  NearCache,
  StoreClosedError,
  StoreUnavailableError,
  scanLimit,
  withDeadline,
} from '@sessionkit/core';
import type { ChainableCommander } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import { ClusterInvalidation } from './cluster-invalidation.js';
import { assertClient, Connection } from './connection.js';
import { toRedisError } from './errors.js';
import type { Invalidation } from './invalidation.js';
import { InvalidationFeed } from './invalidation.js';
import type { RedisSessionStoreOptions, ResolvedOptions } from './options.js';
import { recommendedClusterOptions, recommendedRedisOptions, resolveOptions } from './options.js';
import { dataArgument, decodeRecord, encodeRecord } from './record.js';
import { scanStep } from './scan.js';
import type { DeleteReply, ScriptedClient, SessionScripts } from './scripts.js';
import { pxTtl } from './ttl.js';
import { deleteIndexed, listIndexed, removeIndexEntries } from './user-index.js';

/** Status the update/touch scripts return when the user index must be raised first. */
const NEEDS_INDEX = 2;

/** The store's operations, as they tag errors. */
type Operation = 'connect' | 'get' | 'create' | 'update' | 'touch' | 'delete' | 'listByUser' | 'deleteByUser' | 'scan';
const OPERATIONS: readonly Operation[] = [
  'connect',
  'get',
  'create',
  'update',
  'touch',
  'delete',
  'listByUser',
  'deleteByUser',
  'scan',
];

/**
 * A {@link SessionStore} on Redis (ioredis 6): standalone, Sentinel-managed or Cluster.
 *
 * @example
 * ```ts
 * const store = new RedisSessionStore({ connection: { host: '127.0.0.1', port: 6379 }, keyPrefix: 'app:sess:' });
 * await store.connect();
 * const sessions = new SessionManager({ store, idleTimeout: 30 * 60_000, absoluteTimeout: 8 * 3_600_000 });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly #options: ResolvedOptions;
  readonly #primary: Connection;
  readonly #replica: Connection | undefined;
  readonly #near: { cache: NearCache; feed: Invalidation } | undefined;
  readonly #clock: Clock;
  /** `toRedisError` per operation, built once: the deadline wrapper of every call takes one. */
  readonly #errors: Record<Operation, (error: unknown) => SessionKitError>;
  #closed = false;

  constructor(options: RedisSessionStoreOptions) {
    this.#options = resolveOptions(options);
    const name = this.#options.name;
    this.name = name;
    this.#clock = this.#options.clock;
    this.#errors = Object.fromEntries(
      OPERATIONS.map((operation) => [operation, (error: unknown) => toRedisError(name, operation, error)]),
    ) as Record<Operation, (error: unknown) => SessionKitError>;
    const { operationTimeoutMs, autoPipelining } = this.#options;
    const onError = options.onClientError ?? (() => {});

    if (options.client !== undefined) {
      this.#primary = new Connection(assertClient(name, 'client', options.client), false);
    } else if (options.cluster !== undefined) {
      const clusterOptions = mergeClusterOptions(
        recommendedClusterOptions(operationTimeoutMs, autoPipelining),
        options.cluster.options,
      );
      this.#primary = new Connection(listen(new Cluster(options.cluster.nodes, clusterOptions), onError), true);
    } else {
      const redisOptions = { ...recommendedRedisOptions(operationTimeoutMs, autoPipelining), ...options.connection };
      this.#primary = new Connection(listen(new Redis(redisOptions), onError), true);
    }

    if (options.replicaClient !== undefined) {
      this.#replica = new Connection(assertClient(name, 'replicaClient', options.replicaClient), false);
    } else if (options.readFromReplicas && options.cluster) {
      const clusterOptions = mergeClusterOptions(
        recommendedClusterOptions(operationTimeoutMs, autoPipelining),
        options.cluster.options,
      );
      this.#replica = new Connection(
        listen(new Cluster(options.cluster.nodes, { ...clusterOptions, scaleReads: 'slave' }), onError),
        true,
      );
    } else if (options.readFromReplicas && options.connection) {
      const redisOptions = { ...recommendedRedisOptions(operationTimeoutMs, autoPipelining), ...options.connection };
      this.#replica = new Connection(listen(new Redis({ ...redisOptions, role: 'slave' }), onError), true);
    }

    if (this.#options.nearCache) {
      const cache = new NearCache(this.#options.nearCache);
      const settings = { storeName: name, prefix: this.#options.keyPrefix, cache, onError };
      const client = this.#primary.client;
      const feed =
        client instanceof Cluster
          ? new ClusterInvalidation(client, settings)
          : new InvalidationFeed(client as Redis, settings);
      this.#near = { cache, feed };
    }

    this.capabilities = {
      userIndex: true,
      ttlGranularityMs: 1,
      maxPayloadBytes: this.#options.maxPayloadBytes,
      // Only with a replica connection or the near cache do 'eventual' reads differ: otherwise every read is
      // a master read.
      strongReads: this.#replica !== undefined || this.#near !== undefined,
      scan: true,
    };
  }

  /** The master-side ioredis client (for raw inspection in tests and tools). */
  get client(): Redis | Cluster {
    return this.#primary.client;
  }

  /** Near-cache counters (all zero without `nearCache`), and whether its invalidation feed is live. */
  get nearCacheStats(): NearCacheStats & { live: boolean } {
    const near = this.#near;
    if (near === undefined) return { hits: 0, misses: 0, invalidations: 0, discardedFills: 0, entries: 0, live: false };
    return { ...near.cache.stats, live: near.feed.live };
  }

  /**
   * Resolves once the master connection is ready (at once if it is; idempotent). Optional: every call waits for
   * the connection itself. Rejects with `StoreUnavailableError` carrying the driver's error as `cause` as soon
   * as a connection attempt fails (refused, unreachable: never after waiting out the deadline), and with
   * `StoreTimeoutError` if the connection is still being made at the deadline (`operationTimeoutMs`).
   */
  async connect(): Promise<void> {
    this.#checkOpen('connect');
    const primary = this.#primary;
    if (primary.client.status === 'ready') return;
    await this.#run('connect', () => primary.ready(this.name, 'connect'));
  }

  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    this.#checkOpen('get');
    assertValidKey(this.name, 'get', key);
    const redisKey = this.#backendKey(key);
    const near = this.#near;
    if (near?.feed.live && options?.consistency !== 'strong') {
      return near.cache.readThrough(
        redisKey,
        () => this.#clock.now(),
        () => this.#read(redisKey, options),
      );
    }
    return this.#read(redisKey, options);
  }

  async create(key: string, session: StoredSession): Promise<boolean> {
    this.#checkWrite('create', key, session);
    return this.#writing(key, () =>
      this.#primaryRun('create', async (client) => {
        const now = this.#clock.now();
        const ttl = pxTtl(session.expiresAt, now);
        let bound = 0;
        if (session.userId !== undefined && ttl > 0) {
          // Index first, session second: a session never exists without its index entry (user-index.ts).
          bound = session.expiresAt + this.#options.userIndexGraceMs;
          await this.#durable<number>((c) =>
            c.sessionkitIndexAdd(this.#userIndexKey(session.userId!), now, bound, key),
          );
        }
        const value = encodeRecord(session, bound);
        const result = await this.#durable<number>(
          (c) => c.sessionkitCreate(this.#backendKey(key), now, ttl, value),
          client,
        );
        return result === 1;
      }),
    );
  }

  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    this.#checkWrite('update', key, session);
    if (!Number.isSafeInteger(expectedVersion)) {
      throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
    }
    return this.#writing(key, () =>
      this.#primaryRun('update', async () => {
        const now = this.#clock.now();
        const ttl = pxTtl(session.expiresAt, now);
        const redisKey = this.#backendKey(key);
        const data = dataArgument(session.data);
        let bound = 0;
        // At most one index raise: the second call carries a bound that covers the new deadline.
        for (let attempt = 0; attempt < 2; attempt++) {
          const result = await this.#durable<number | [number, string]>((c) =>
            c.sessionkitUpdate(redisKey, now, expectedVersion, session.version, session.expiresAt, ttl, bound, data),
          );
          if (typeof result === 'number') return result === 1;
          bound = await this.#raiseBound(key, result, session.expiresAt, now);
        }
        throw new StoreUnavailableError('the user index bound did not hold after raising it', {
          store: this.name,
          operation: 'update',
        });
      }),
    );
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    this.#checkOpen('touch');
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    return this.#writing(key, () =>
      this.#primaryRun('touch', async () => {
        const now = this.#clock.now();
        const ttl = pxTtl(expiresAt, now);
        const redisKey = this.#backendKey(key);
        let bound = 0;
        // At most one index raise, as in update.
        for (let attempt = 0; attempt < 2; attempt++) {
          const result = await this.#durable<number | [number, string]>((c) =>
            c.sessionkitTouch(redisKey, now, expiresAt, ttl, bound),
          );
          if (typeof result === 'number') return result === 1;
          bound = await this.#raiseBound(key, result, expiresAt, now);
        }
        throw new StoreUnavailableError('the user index bound did not hold after raising it', {
          store: this.name,
          operation: 'touch',
        });
      }),
    );
  }

  async delete(key: string): Promise<boolean> {
    this.#checkOpen('delete');
    assertValidKey(this.name, 'delete', key);
    return this.#writing(key, () =>
      this.#primaryRun('delete', async (client) => {
        const [status, owner] = await this.#durable<DeleteReply>((c) =>
          c.sessionkitDelete(this.#backendKey(key), this.#clock.now(), ''),
        );
        // Session first, index entry second: if this second step never happens the entry is skipped by
        // listByUser (its record is gone) and pruned when its score passes.
        if (status !== -1 && owner !== '') await removeIndexEntries(client, this.#userIndexKey(owner), [key]);
        return status === 1;
      }),
    );
  }

  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.#checkOpen('listByUser');
    assertValidUserId(this.name, 'listByUser', userId);
    return this.#primaryRun('listByUser', (client) =>
      listIndexed(client, this.#userIndexKey(userId), userId, this.#clock.now(), (member) => this.#backendKey(member)),
    );
  }

  async deleteByUser(userId: string): Promise<number> {
    this.#checkOpen('deleteByUser');
    assertValidUserId(this.name, 'deleteByUser', userId);
    return this.#primaryRun('deleteByUser', async (client) => {
      const now = this.#clock.now();
      const { deleted, members } = await deleteIndexed(client, this.#userIndexKey(userId), now, (member) =>
        this.#durable<DeleteReply>((c) => c.sessionkitDelete(this.#backendKey(member), now, userId)),
      );
      // Redis reports these deletions to the feed too; evicting here keeps this process read-your-writes.
      for (const member of members) this.#near?.cache.invalidate(this.#backendKey(member));
      return deleted;
    });
  }

  /**
   * Admin enumeration (see `scan.ts`): one `SCAN cursor MATCH <keyPrefix>* COUNT limit TYPE string` step on
   * one master (standalone, Sentinel, or each Cluster master in turn), then a `GET` per key found; expired
   * and undecodable values are skipped. `limit` is `SCAN`'s `COUNT` hint, so a page holds about that many
   * records or fewer, often none while the walk crosses keys of other prefixes: the walk visits the whole
   * keyspace of each master, whatever the prefix. Every key under the prefix that holds a session is listed,
   * including those of another store whose prefix extends this one. Redis may list a key twice when its hash
   * table shrinks during the walk; a failover or resharding during it may repeat or miss keys. Reads the
   * masters, bypassing the near cache and replicas.
   */
  async scan(options: ScanOptions = {}): Promise<ScanPage> {
    this.#checkOpen('scan');
    const limit = scanLimit(this.name, options.limit);
    return this.#primaryRun('scan', async (client) => {
      const step = await scanStep(client, this.#options.keyPrefix, options.cursor, limit, this.name);
      const values = await Promise.all(step.keys.map((redisKey) => client.getBuffer(redisKey)));
      const entries: ScanEntry[] = [];
      values.forEach((value, i) => {
        const session = this.#live(value);
        if (session) entries.push({ key: step.keys[i]!.slice(this.#options.keyPrefix.length), session });
      });
      return { entries, cursor: step.cursor };
    });
  }

  /** Closes the clients the store created (QUIT, then disconnect); a client passed in stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#near?.feed.close();
    await Promise.all([this.#primary.close(), this.#replica?.close()]);
  }

  /** The Redis key of a session: the prefix and the key, nothing else. */
  #backendKey(key: string): string {
    return this.#options.keyPrefix + key;
  }

  /** The Redis key of a user's index ZSET. */
  #userIndexKey(userId: string): string {
    return this.#options.userIndexPrefix + userId;
  }

  /** Reads one session from Redis (the master, or a replica for 'eventual' reads when configured). */
  async #read(redisKey: string, options: ReadOptions | undefined): Promise<StoredSession | null> {
    const replica = options?.consistency !== 'strong' ? this.#replica : undefined;
    const primary = this.#primary;
    const value = await this.#run(
      'get',
      // Hot path: master read on a ready connection, no extra async layers.
      !replica && primary.client.status === 'ready'
        ? () => primary.client.getBuffer(redisKey)
        : async () => {
            if (replica && replica.client.status === 'ready') {
              try {
                return await replica.client.getBuffer(redisKey);
              } catch {
                // A replica that fails (down, promoted, LOADING) must not fail an 'eventual' read that the
                // master can answer: fall through to the master within the same deadline.
              }
            }
            await primary.ready(this.name, 'get');
            return primary.client.getBuffer(redisKey);
          },
    );
    return this.#live(value);
  }

  /** The live record in a raw value; `null` for none, an expired one, or one that does not decode. */
  #live(value: Buffer | null): StoredSession | null {
    if (value === null) return null;
    const record = decodeRecord(value);
    // An undecodable value (foreign or future format) reads as missing, like an expired one.
    if (record === undefined || !isLive(record.expiresAt, this.#clock.now())) return null;
    const session: StoredSession = { data: record.data, version: record.version, expiresAt: record.expiresAt };
    if (record.userId !== undefined) session.userId = record.userId;
    return session;
  }

  /** Raises the owner's index entry for `key` to cover `expiresAt`; returns the new bound. */
  async #raiseBound(key: string, reply: [number, string], expiresAt: number, now: number): Promise<number> {
    const [status, owner] = reply;
    if (status !== NEEDS_INDEX || !owner) {
      throw new StoreUnavailableError(`unexpected script reply ${String(status)}`, { store: this.name });
    }
    const bound = expiresAt + this.#options.userIndexGraceMs;
    await this.#durable<number>((c) => c.sessionkitIndexAdd(this.#userIndexKey(owner), now, bound, key));
    return bound;
  }

  /**
   * Sends one write. With `waitForReplicas`, the write and a `WAIT` go out in one pipeline on the key's
   * connection (on Cluster: the key's master), and too few acknowledgements fail the call.
   */
  #durable<T>(send: (client: ScriptedClient) => Promise<unknown>, client = this.#primary.client): Promise<T> {
    const wait = this.#options.waitForReplicas;
    // Without WAIT: the command itself, no extra async layer on the hot path.
    if (!wait) return send(client) as Promise<T>;
    return this.#durableWithWait<T>(send, client, wait);
  }

  async #durableWithWait<T>(
    send: (client: ScriptedClient) => Promise<unknown>,
    client: ScriptedClient,
    wait: { replicas: number; timeoutMs: number },
  ): Promise<T> {
    const pipeline = client.pipeline() as ChainableCommander & SessionScripts;
    void send(pipeline as unknown as ScriptedClient);
    pipeline.wait(wait.replicas, wait.timeoutMs);
    const results = await pipeline.exec();
    if (results?.length !== 2) throw new Error('the pipeline was discarded');
    const [[error, value], [waitError, acked]] = results as [[Error | null, unknown], [Error | null, unknown]];
    if (error) throw error;
    if (waitError) throw waitError;
    if (typeof acked !== 'number' || acked < wait.replicas) {
      throw new StoreUnavailableError(
        `the write was applied on the master but only ${String(acked)} of ${wait.replicas} replicas acknowledged it within ${wait.timeoutMs} ms`,
        { store: this.name },
      );
    }
    return value as T;
  }

  /**
   * Runs a write of `key`; with the near cache, the key is evicted once the write settles, so this process
   * reads its own writes without waiting for Redis's report (see `NearCache.writeThrough`).
   */
  #writing<T>(key: string, write: () => Promise<T>): Promise<T> {
    const near = this.#near;
    return near === undefined ? write() : near.cache.writeThrough(this.#backendKey(key), write);
  }

  /** Runs a master-side operation under the deadline, after waiting (within it) for the connection. */
  #primaryRun<T>(operation: Operation, run: (client: ScriptedClient) => Promise<T>): Promise<T> {
    const primary = this.#primary;
    if (primary.client.status === 'ready') return this.#run(operation, () => run(primary.client));
    return this.#run(operation, async () => {
      await primary.ready(this.name, operation);
      return run(primary.client);
    });
  }

  /** Runs `run` under the operation deadline, every failure mapped to a typed error (`errors.ts`). */
  #run<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    return withDeadline(this.name, operation, this.#options.operationTimeoutMs, run, this.#errors[operation]);
  }

  #checkWrite(operation: Operation, key: string, session: StoredSession): void {
    this.#checkOpen(operation);
    assertValidRecord(this.name, operation, key, session);
    assertPayloadFits(this.name, operation, session.data, this.#options.maxPayloadBytes);
  }

  #checkOpen(operation: Operation): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }
}

function mergeClusterOptions(
  base: ReturnType<typeof recommendedClusterOptions>,
  user: ReturnType<typeof recommendedClusterOptions> | undefined,
): ReturnType<typeof recommendedClusterOptions> {
  return { ...base, ...user, redisOptions: { ...base.redisOptions, ...user?.redisOptions } };
}

/** Attaches error listeners to a client the store created, so connection errors never crash the process. */
function listen<C extends Redis | Cluster>(client: C, onError: (error: Error) => void): C {
  client.on('error', onError);
  if (client instanceof Cluster) client.on('node error', onError);
  return client;
}

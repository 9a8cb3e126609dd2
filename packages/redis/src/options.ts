/**
 * Options of {@link RedisSessionStore} and the ioredis settings the store uses for the clients it creates.
 *
 * @module
 */
import type { Clock, NearCacheOptions } from '@sessionkit/core';
import {
  ConfigurationError,
  integerOption,
  refuseRenamedOptions,
  storeName,
  stringOption,
  systemClock,
} from '@sessionkit/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Options of {@link RedisSessionStore}. Give exactly one of `client`, `connection` or `cluster`. */
export interface RedisSessionStoreOptions {
  /**
   * An existing ioredis client (`Redis`, Sentinel-managed `Redis`, or `Cluster`) from the application's own
   * `ioredis` (a peer dependency of this package, so there is one copy). The store defines its Lua scripts on
   * it, listens to its connection events and never closes it. For timely failures configure it like
   * {@link recommendedRedisOptions} (with the ioredis default `enableOfflineQueue: true` the client queues
   * commands while it connects: calls still fail at their deadline, but the queued command may run later,
   * after the caller was told it failed).
   */
  client?: Redis | Cluster;
  /**
   * An existing client connected to replicas, used for `'eventual'` reads (e.g. `new Redis({ sentinels, name,
   * role: 'slave' })`, or a `Cluster` with `scaleReads: 'slave'`). Never closed by the store.
   */
  replicaClient?: Redis | Cluster;
  /** Connection options for a standalone server, or a Sentinel-managed one (`sentinels` + `name`). */
  connection?: RedisOptions;
  /** Startup nodes and options for Redis Cluster. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /**
   * With `connection.sentinels` or `cluster`: also open a replica connection and answer `'eventual'` reads
   * from it (Sentinel: `role: 'slave'`; Cluster: `scaleReads: 'slave'`). `'strong'` reads and all writes stay
   * on the master. Default `false`: every read goes to the master.
   */
  readFromReplicas?: boolean;
  /** Prepended to every session key. Default `"sk:"`. Keys are otherwise stored exactly as received. */
  keyPrefix?: string;
  /** Prepended to the userId to name the user's index (a ZSET). Default `keyPrefix + "~user:"`. */
  userIndexPrefix?: string;
  /** Deadline of every store call, in ms (connect waits, retries and all round trips included). Default 2000. */
  operationTimeoutMs?: number;
  /** Largest accepted `data`, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /**
   * ioredis `enableAutoPipelining` for the clients the store creates (commands issued in the same tick go out
   * in one write). Default `false`: it did not measure faster here (docs/redis.md, *Benchmarks*).
   */
  autoPipelining?: boolean;
  /**
   * How far beyond a session's deadline its user-index entry is kept, in ms (min 60 s, default 1 h). A touch
   * or update that moves the deadline past the indexed bound raises the bound by this much first (one extra
   * round trip, at most once per `userIndexGraceMs` of extension); dead entries linger at most this long. It
   * also absorbs clock skew between application servers (one server's "now" prunes entries by score).
   */
  userIndexGraceMs?: number;
  /**
   * After every write, run `WAIT replicas timeoutMs` on the same connection. If fewer replicas acknowledge in
   * time the call rejects with `StoreUnavailableError` (the write did happen on the master).
   */
  waitForReplicas?: { replicas: number; timeoutMs: number };
  /**
   * A near cache in this process, kept coherent by Redis itself (server-assisted client-side caching,
   * `CLIENT TRACKING ... BCAST`, Redis 6+; see `invalidation.ts` and docs/redis.md). `'eventual'` reads are
   * answered from it when they can, so a read-mostly session costs no round trip; `'strong'` reads and all
   * writes always go to Redis. Every change to a session, made through any process, evicts it here as soon
   * as Redis's report arrives (sub-millisecond on a LAN); `maxAgeMs` (default 10 s) bounds an entry's life in
   * case a report is lost without the connection failing visibly; `maxEntries` (default 10,000) bounds the
   * memory. Costs one more connection per store (per master on Cluster). Not with replica reads.
   * Default `false`.
   */
  nearCache?: boolean | { maxAgeMs?: number; maxEntries?: number };
  /** Time source for expiry decisions. Default: the system clock. */
  clock?: Clock;
  /** Name used in errors. Default `"redis"`. */
  name?: string;
  /** Receives the `error` / `node error` events of clients the store created (default: ignored; calls still fail typed). */
  onClientError?: (error: Error) => void;
}

/** Milliseconds ioredis waits between reconnection attempts: fast at first, capped at 1 s. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * times, 1000);
}

/**
 * Reconnect when a master answers READONLY: after a failover the old master comes back as a replica and the
 * connection still points at it. `1` = reconnect without resending: the failed call rejects (typed, retryable)
 * and the next call goes through Sentinel to the new master. (`2` would resend, but with the offline queue
 * off the resend fails anyway.)
 */
export function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/**
 * The ioredis settings the store uses for standalone and Sentinel clients it creates, and recommends for
 * clients you pass in:
 * - `enableOfflineQueue: false`: nothing queues while disconnected. The store itself waits for `ready` within
 *   the call's deadline (failing at once while connection attempts fail), so a call that was reported as
 *   failed is never executed later;
 * - `autoResendUnfulfilledCommands: false`: commands in flight when the connection drops reject
 *   (`StoreUnavailableError`) instead of being replayed after the reconnect;
 * - `maxRetriesPerRequest: 0`: belt and braces for the above;
 * - `retryStrategy`: reconnect forever, 50 ms, 100 ms, ... capped at 1 s, so service resumes within about a
 *   second of the server's return;
 * - `reconnectOnError`: reconnect on READONLY (see {@link reconnectOnReadonly}).
 */
export function recommendedRedisOptions(operationTimeoutMs: number, autoPipelining: boolean): RedisOptions {
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadonly,
    connectTimeout: Math.max(operationTimeoutMs, 1000),
    enableAutoPipelining: autoPipelining,
  };
}

/**
 * The Cluster settings the store uses for clusters it creates: no offline queue (the store waits for `ready`
 * within the deadline), failover retries (`retryDelayOnFailover` 100 ms, at most `maxRedirections` 16 tries,
 * i.e. about 1.6 s, cut short by the call's deadline), node connections that do not replay in-flight commands.
 */
export function recommendedClusterOptions(operationTimeoutMs: number, autoPipelining: boolean): ClusterOptions {
  return {
    enableOfflineQueue: false,
    enableAutoPipelining: autoPipelining,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: {
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(operationTimeoutMs, 1000),
      reconnectOnError: reconnectOnReadonly,
    },
  };
}

/** Validated, defaulted settings. */
export interface ResolvedOptions {
  name: string;
  keyPrefix: string;
  userIndexPrefix: string;
  operationTimeoutMs: number;
  maxPayloadBytes: number;
  autoPipelining: boolean;
  userIndexGraceMs: number;
  waitForReplicas: { replicas: number; timeoutMs: number } | undefined;
  nearCache: Required<NearCacheOptions> | undefined;
  clock: Clock;
}

/** Largest `maxPayloadBytes`: a Redis string holds at most 512 MiB, and the header and userId need room. */
const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024 - 1024;

/** Checks the options and fills in defaults; throws {@link ConfigurationError}. */
export function resolveOptions(options: RedisSessionStoreOptions): ResolvedOptions {
  const name = storeName(options.name, 'redis');
  refuseRenamedOptions(name, options, [['userIndexSlackMs', 'userIndexGraceMs']]);
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { store: name });
  };
  const sources = [options.client, options.connection, options.cluster].filter((s) => s !== undefined).length;
  if (sources !== 1) fail('give exactly one of `client`, `connection` or `cluster`');
  if (options.readFromReplicas && options.replicaClient)
    fail('give either `readFromReplicas` or `replicaClient`, not both');
  if (options.readFromReplicas && !options.cluster && !options.connection?.sentinels) {
    fail('`readFromReplicas` needs `cluster` or `connection.sentinels` (or pass a `replicaClient`)');
  }
  if (options.cluster && (!Array.isArray(options.cluster.nodes) || options.cluster.nodes.length === 0)) {
    fail('`cluster.nodes` must list at least one startup node');
  }
  const keyPrefix = stringOption(name, 'keyPrefix', options.keyPrefix, 'sk:', { allowEmpty: true });
  const userIndexPrefix = stringOption(name, 'userIndexPrefix', options.userIndexPrefix, `${keyPrefix}~user:`);
  if (userIndexPrefix === keyPrefix) fail('`userIndexPrefix` must differ from `keyPrefix`');
  const operationTimeoutMs = integerOption(name, 'operationTimeoutMs', options.operationTimeoutMs, 2000);
  const maxPayloadBytes = integerOption(name, 'maxPayloadBytes', options.maxPayloadBytes, 1024 * 1024, {
    max: MAX_PAYLOAD_BYTES,
  });
  const userIndexGraceMs = integerOption(name, 'userIndexGraceMs', options.userIndexGraceMs, 60 * 60_000, {
    min: 60_000,
  });
  const wait = options.waitForReplicas;
  if (wait !== undefined) {
    if (wait.replicas === undefined || wait.timeoutMs === undefined)
      fail('`waitForReplicas` needs `replicas` and `timeoutMs`');
    integerOption(name, 'waitForReplicas.replicas', wait.replicas, 1);
    integerOption(name, 'waitForReplicas.timeoutMs', wait.timeoutMs, 1);
    if (wait.timeoutMs >= operationTimeoutMs)
      fail('`waitForReplicas.timeoutMs` must be shorter than `operationTimeoutMs`');
  }
  let nearCache: ResolvedOptions['nearCache'];
  if (options.nearCache) {
    const given = options.nearCache === true ? {} : options.nearCache;
    nearCache = {
      maxAgeMs: integerOption(name, 'nearCache.maxAgeMs', given.maxAgeMs, 10_000),
      maxEntries: integerOption(name, 'nearCache.maxEntries', given.maxEntries, 10_000),
    };
    // Reports come from masters; a replica read could fill the cache with a value older than a report
    // already processed, and nothing would evict it.
    if (options.readFromReplicas || options.replicaClient) fail('`nearCache` cannot be combined with replica reads');
  }
  return {
    name,
    keyPrefix,
    userIndexPrefix,
    operationTimeoutMs,
    maxPayloadBytes,
    autoPipelining: options.autoPipelining ?? false,
    userIndexGraceMs,
    waitForReplicas: wait,
    nearCache,
    clock: options.clock ?? systemClock,
  };
}

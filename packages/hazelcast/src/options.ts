/**
 * Options of {@link HazelcastSessionStore}, their defaults and their validation.
 *
 * @module
 */
import {
  type Clock,
  ConfigurationError,
  integerOption,
  refuseRenamedOptions,
  storeName,
  stringOption,
  systemClock,
} from '@sessionkit/core';
import type { ClientConfig, Client as HazelcastClient } from 'hazelcast-client';

/** Near cache settings for a client the store creates itself. */
export interface HazelcastNearCacheOptions {
  /**
   * Seconds a near-cached entry may be served before the client fetches it again, even without an
   * invalidation event (default 60). Bounds how stale an `'eventual'` read can be if an invalidation is lost.
   */
  timeToLiveSeconds?: number;
  /** Maximum entries kept by the near cache (default 10,000; LRU eviction). */
  maxEntries?: number;
}

/** Options of {@link HazelcastSessionStore}. */
export interface HazelcastSessionStoreOptions {
  /**
   * An existing, started client to use. The store never shuts it down. Register nothing for SessionKit on it:
   * records are compact generic records, which need no serializer. When given, `members`, `clusterName`,
   * `clientConfig`, `connectTimeoutMs` and `nearCache` must not be set (configure your client instead).
   */
  client?: HazelcastClient;
  /** Member addresses (`host:port`) for a client the store creates. Default `['127.0.0.1:5701']`. */
  members?: string[];
  /** Cluster name for a client the store creates. Default `'dev'` (Hazelcast's default). */
  clusterName?: string;
  /**
   * Extra client configuration for a client the store creates, merged under the store's own settings
   * (connection strategy, invocation timeout and near cache are set by the store; `properties` are merged).
   */
  clientConfig?: ClientConfig;
  /** Name of the IMap that holds the sessions. Default `'sessionkit-sessions'`. */
  mapName?: string;
  /** Prepended to every key (keys arrive already hashed). Default `'sk:'`. */
  keyPrefix?: string;
  /** Deadline of every store operation in milliseconds (default 2000). Also the client's invocation timeout. */
  operationTimeoutMs?: number;
  /**
   * For a client the store creates: how long it tries to (re)connect to the cluster before giving up, in
   * milliseconds (default 15,000). A client that gave up is shut down by Hazelcast; the store then creates a
   * new one at the next call. Calls made meanwhile fail with typed errors at their own deadline. Members that
   * refuse the connection fail a call at once (see `connect()`).
   */
  connectTimeoutMs?: number;
  /** Largest `data` accepted, in bytes (default 1 MiB). */
  maxPayloadBytes?: number;
  /**
   * How many compare-and-set rounds `create`, `update` and `touch` make on a key other writers keep changing
   * before they fail with a `ConflictError` (default 16).
   */
  maxCasAttempts?: number;
  /**
   * Enables a client-side near cache for the sessions map (only for a client the store creates), with
   * invalidation events from the members. `'eventual'` reads may be served from it; `'strong'` reads never
   * are. Default off.
   */
  nearCache?: boolean | HazelcastNearCacheOptions;
  /** Whether the store adds the `userId` hash index to the map (default true). */
  createIndex?: boolean;
  /**
   * Bytes of recently read or written records the store remembers so that `update` and `touch` can issue
   * their compare-and-set without reading the record again (default 8 MiB; 0 disables). Purely an
   * optimisation: the compare-and-set on the member decides, a stale entry only costs one extra read.
   */
  casCacheBytes?: number;
  /** The time source for expiry decisions (default core's `systemClock`). */
  clock?: Clock;
  /** The store's name in errors (default `'hazelcast'`). */
  name?: string;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** See {@link HazelcastSessionStoreOptions.name}. */
  name: string;
  /** See {@link HazelcastSessionStoreOptions.client}. */
  client: HazelcastClient | undefined;
  /** See {@link HazelcastSessionStoreOptions.members}. */
  members: string[];
  /** See {@link HazelcastSessionStoreOptions.clusterName}. */
  clusterName: string;
  /** See {@link HazelcastSessionStoreOptions.clientConfig}. */
  clientConfig: ClientConfig;
  /** See {@link HazelcastSessionStoreOptions.mapName}. */
  mapName: string;
  /** See {@link HazelcastSessionStoreOptions.keyPrefix}. */
  keyPrefix: string;
  /** See {@link HazelcastSessionStoreOptions.operationTimeoutMs}. */
  operationTimeoutMs: number;
  /** See {@link HazelcastSessionStoreOptions.connectTimeoutMs}. */
  connectTimeoutMs: number;
  /** See {@link HazelcastSessionStoreOptions.maxPayloadBytes}. */
  maxPayloadBytes: number;
  /** See {@link HazelcastSessionStoreOptions.maxCasAttempts}. */
  maxCasAttempts: number;
  /** The near cache settings, or `undefined` without a near cache. */
  nearCache: Required<HazelcastNearCacheOptions> | undefined;
  /** See {@link HazelcastSessionStoreOptions.createIndex}. */
  createIndex: boolean;
  /** See {@link HazelcastSessionStoreOptions.casCacheBytes}. */
  casCacheBytes: number;
  /** See {@link HazelcastSessionStoreOptions.clock}. */
  clock: Clock;
}

/** Defaults, exported for docs and tests. */
export const DEFAULTS = {
  name: 'hazelcast',
  members: ['127.0.0.1:5701'],
  clusterName: 'dev',
  mapName: 'sessionkit-sessions',
  keyPrefix: 'sk:',
  operationTimeoutMs: 2_000,
  connectTimeoutMs: 15_000,
  maxPayloadBytes: 1024 * 1024,
  maxCasAttempts: 16,
  nearCacheTtlSeconds: 60,
  nearCacheMaxEntries: 10_000,
  casCacheBytes: 8 * 1024 * 1024,
} as const;

/** Applies defaults and rejects invalid values and combinations with a {@link ConfigurationError}. */
export function resolveOptions(options: HazelcastSessionStoreOptions = {}): ResolvedOptions {
  const name = storeName(options.name, DEFAULTS.name);
  refuseRenamedOptions(name, options, [['prefix', 'keyPrefix']]);
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { store: name });
  };
  if (options.client !== undefined) {
    if (typeof options.client !== 'object' || options.client === null || typeof options.client.getMap !== 'function') {
      fail('client must be a started hazelcast-client HazelcastClient');
    }
    for (const k of ['members', 'clusterName', 'clientConfig', 'connectTimeoutMs', 'nearCache'] as const) {
      if (options[k] !== undefined)
        fail(`${k} cannot be combined with an existing client; configure that client instead`);
    }
  }
  const members = options.members ?? [...DEFAULTS.members];
  if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== 'string' || m.length === 0)) {
    fail('members must be a non-empty array of "host:port" strings');
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function') fail('clock must have a now() method');
  let nearCache: ResolvedOptions['nearCache'];
  if (options.nearCache) {
    const nc = options.nearCache === true ? {} : options.nearCache;
    nearCache = {
      timeToLiveSeconds: integerOption(
        name,
        'nearCache.timeToLiveSeconds',
        nc.timeToLiveSeconds,
        DEFAULTS.nearCacheTtlSeconds,
      ),
      maxEntries: integerOption(name, 'nearCache.maxEntries', nc.maxEntries, DEFAULTS.nearCacheMaxEntries),
    };
  }
  return {
    name,
    client: options.client,
    members,
    clusterName: stringOption(name, 'clusterName', options.clusterName, DEFAULTS.clusterName),
    clientConfig: options.clientConfig ?? {},
    mapName: stringOption(name, 'mapName', options.mapName, DEFAULTS.mapName),
    keyPrefix: stringOption(name, 'keyPrefix', options.keyPrefix, DEFAULTS.keyPrefix, { allowEmpty: true }),
    operationTimeoutMs: integerOption(
      name,
      'operationTimeoutMs',
      options.operationTimeoutMs,
      DEFAULTS.operationTimeoutMs,
    ),
    connectTimeoutMs: integerOption(name, 'connectTimeoutMs', options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
    maxPayloadBytes: integerOption(name, 'maxPayloadBytes', options.maxPayloadBytes, DEFAULTS.maxPayloadBytes),
    maxCasAttempts: integerOption(name, 'maxCasAttempts', options.maxCasAttempts, DEFAULTS.maxCasAttempts, {
      max: 1000,
    }),
    nearCache,
    createIndex: options.createIndex ?? true,
    casCacheBytes: integerOption(name, 'casCacheBytes', options.casCacheBytes, DEFAULTS.casCacheBytes, { min: 0 }),
    clock,
  };
}

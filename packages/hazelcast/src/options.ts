/**
 * Options of {@link HazelcastSessionStore} and their validation.
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';
import type { Client as HazelcastClient, ClientConfig } from 'hazelcast-client';

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
  prefix?: string;
  /** Deadline of every store operation in milliseconds (default 2000). Also the client's invocation timeout. */
  operationTimeoutMs?: number;
  /**
   * For a client the store creates: how long it tries to (re)connect to the cluster before giving up, in
   * milliseconds (default 15,000). A client that gave up is shut down by Hazelcast; the store then creates a
   * new one at the next call. Calls made meanwhile fail with typed errors at their own deadline.
   */
  connectTimeoutMs?: number;
  /** Largest `data` accepted, in bytes (default 1 MiB). */
  maxPayloadBytes?: number;
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
  /** The store's name in errors (default `'hazelcast'`). */
  name?: string;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  name: string;
  client: HazelcastClient | undefined;
  members: string[];
  clusterName: string;
  clientConfig: ClientConfig;
  mapName: string;
  prefix: string;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
  maxPayloadBytes: number;
  nearCache: Required<HazelcastNearCacheOptions> | undefined;
  createIndex: boolean;
  casCacheBytes: number;
}

/** Defaults, exported for docs and tests. */
export const DEFAULTS = {
  name: 'hazelcast',
  members: ['127.0.0.1:5701'],
  clusterName: 'dev',
  mapName: 'sessionkit-sessions',
  prefix: 'sk:',
  operationTimeoutMs: 2_000,
  connectTimeoutMs: 15_000,
  maxPayloadBytes: 1024 * 1024,
  nearCacheTtlSeconds: 60,
  nearCacheMaxEntries: 10_000,
  casCacheBytes: 8 * 1024 * 1024,
} as const;

function positiveInt(value: unknown, what: string, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigurationError(`${what} must be a positive integer, got ${String(value)}`, { store: name });
  }
  return value;
}

/** Applies defaults and rejects invalid combinations with a {@link ConfigurationError}. */
export function resolveOptions(options: HazelcastSessionStoreOptions = {}): ResolvedOptions {
  const name = options.name ?? DEFAULTS.name;
  if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError('name must be a non-empty string');
  const fail = (message: string): never => {
    throw new ConfigurationError(message, { store: name });
  };
  if (options.client !== undefined) {
    if (typeof options.client !== 'object' || options.client === null || typeof options.client.getMap !== 'function') {
      fail('client must be a started hazelcast-client HazelcastClient');
    }
    for (const k of ['members', 'clusterName', 'clientConfig', 'connectTimeoutMs', 'nearCache'] as const) {
      if (options[k] !== undefined) fail(`${k} cannot be combined with an existing client; configure that client instead`);
    }
  }
  const members = options.members ?? [...DEFAULTS.members];
  if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== 'string' || m.length === 0)) {
    fail('members must be a non-empty array of "host:port" strings');
  }
  const mapName = options.mapName ?? DEFAULTS.mapName;
  if (typeof mapName !== 'string' || mapName.length === 0) fail('mapName must be a non-empty string');
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (typeof prefix !== 'string') fail('prefix must be a string');
  const casCacheBytes = options.casCacheBytes ?? DEFAULTS.casCacheBytes;
  if (!Number.isSafeInteger(casCacheBytes) || casCacheBytes < 0) fail('casCacheBytes must be a non-negative integer');
  let nearCache: ResolvedOptions['nearCache'];
  if (options.nearCache) {
    const nc = options.nearCache === true ? {} : options.nearCache;
    nearCache = {
      timeToLiveSeconds: positiveInt(nc.timeToLiveSeconds ?? DEFAULTS.nearCacheTtlSeconds, 'nearCache.timeToLiveSeconds', name),
      maxEntries: positiveInt(nc.maxEntries ?? DEFAULTS.nearCacheMaxEntries, 'nearCache.maxEntries', name),
    };
  }
  return {
    name,
    client: options.client,
    members,
    clusterName: options.clusterName ?? DEFAULTS.clusterName,
    clientConfig: options.clientConfig ?? {},
    mapName,
    prefix,
    operationTimeoutMs: positiveInt(options.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs, 'operationTimeoutMs', name),
    connectTimeoutMs: positiveInt(options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 'connectTimeoutMs', name),
    maxPayloadBytes: positiveInt(options.maxPayloadBytes ?? DEFAULTS.maxPayloadBytes, 'maxPayloadBytes', name),
    nearCache,
    createIndex: options.createIndex ?? true,
    casCacheBytes,
  };
}

/**
 * {@link MemcachedSessionStoreOptions}, their defaults and their validation.
 *
 * @module
 */

import type { Clock } from '@sessionkit/core';
import {
  ConfigurationError,
  integerOption,
  MAX_USER_ID_BYTES,
  refuseRenamedOptions,
  storeName,
  stringOption,
  systemClock,
} from '@sessionkit/core';
import type { Client, ClientOptions, ServerOptions } from 'memjs';
import { MAX_KEY_BYTES } from './protocol.js';
import { SESSION_HEADER_BYTES } from './record.js';
import { DEFAULT_VIRTUAL_NODES } from './ring.js';

/** Options for {@link MemcachedSessionStore}. */
export interface MemcachedSessionStoreOptions {
  /**
   * Servers as `"host:port"` strings (or one comma-separated string). Used when no `client` is given; the
   * store then creates the memjs client and closes it in `close()`.
   */
  servers?: string | readonly string[];
  /**
   * An existing memjs client, provided by the application: the store uses its server list (in order) for its
   * own ring and never closes it. Its `failover`/`retries` settings do not apply to the store's requests
   * (see docs/memcached.md).
   */
  client?: Client;
  /** Extra memjs options when the store creates the client (e.g. `username`/`password` for SASL, `keepAlive`). */
  memjsOptions?: ClientOptions & ServerOptions;
  /** Prepended to every key. At most 200 bytes (a 43-character key must still fit in 250). Default `"sk:"`. */
  keyPrefix?: string;
  /** Deadline of every store call, in milliseconds. Default 2000. */
  operationTimeoutMs?: number;
  /**
   * The servers' item size limit (memcached `-I`), in bytes. Default 1,048,576 (1 MB, memcached's default).
   * The largest payload that fits is this minus the item, key and frame overheads.
   */
  maxItemBytes?: number;
  /**
   * Largest accepted `data`, in bytes (`capabilities.maxPayloadBytes`). Default, and most: what fits in
   * `maxItemBytes` (1,047,971 bytes with the default item limit).
   */
  maxPayloadBytes?: number;
  /**
   * Most sessions one user's index holds (`capabilities.maxSessionsPerUser`; the `SessionManager` evicts the
   * oldest before it is reached, a create beyond it is refused with `SessionLimitError`). Default 64, at most 1000.
   */
  maxSessionsPerUser?: number;
  /**
   * How long, in ms, the user index item outlives the latest session deadline it knows. A session whose
   * `expiresAt` moves past the index's guaranteed lifetime rewrites the index once, then again only after this
   * much more sliding. Memcached counts TTLs in whole seconds: the index item's TTL is rounded up. Default
   * 3,600,000 (1 h).
   */
  userIndexGraceMs?: number;
  /**
   * How long (ms) the CAS seen by `get` may be reused by a following `update` of the same key to skip the
   * re-read. The CAS is still checked by memcached; a stale one just costs the re-read. 0 disables.
   * Default 5000.
   */
  casCacheMs?: number;
  /** Most keys whose CAS is remembered. Default 10,000. */
  casCacheSize?: number;
  /** CAS attempts before a create/update/touch/index write gives up with a ConflictError. Default 16. */
  maxCasAttempts?: number;
  /** Points per server on the consistent-hash ring. Default 160. */
  virtualNodes?: number;
  /** Store name used in errors. Default `"memcached"`. */
  name?: string;
  /** Time source for expiry decisions (inject a `ManualClock` in tests). Default the system clock. */
  clock?: Clock;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  name: string;
  keyPrefix: string;
  operationTimeoutMs: number;
  maxItemBytes: number;
  maxPayloadBytes: number;
  maxSessionsPerUser: number;
  userIndexGraceMs: number;
  casCacheMs: number;
  casCacheSize: number;
  maxCasAttempts: number;
  virtualNodes: number;
  clock: Clock;
  servers: string[] | undefined;
}

/**
 * Room reserved for memcached's per-item overhead: the item header (48-56 bytes with CAS), the key (up to
 * 250 bytes) and the suffix/CRLF memcached stores with it. Anything that fits the item limit minus this
 * reserve is stored.
 */
export const ITEM_OVERHEAD_BYTES = 320;

/** Key bytes a session key may take after the prefix: room for the 43-character hashed keys core produces. */
const MIN_KEY_ROOM = 43;
/** Longest prefix accepted; also leaves room for the index key (`keyPrefix + "~user~" + 43 chars`). */
export const MAX_PREFIX_BYTES = MAX_KEY_BYTES - MIN_KEY_ROOM - 7;

/** Parses `"host:port"` lists; throws {@link ConfigurationError} on malformed entries. */
export function parseServers(servers: string | readonly string[], store: string): string[] {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new ConfigurationError('at least one memcached server is required', { store });
  for (const s of list) {
    const m = /^(?:[^@\s]+@)?([^:\s@]+):(\d{1,5})$/.exec(s);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw new ConfigurationError(`server "${s}" must be "host:port"`, { store });
    }
  }
  if (new Set(list).size !== list.length) throw new ConfigurationError('servers must be unique', { store });
  return list;
}

/** The key prefix, checked against memcached's key rules. */
function resolveKeyPrefix(value: unknown, store: string): string {
  const keyPrefix = stringOption(store, 'keyPrefix', value, 'sk:', { allowEmpty: true });
  // Memcached keys are at most 250 bytes: the prefix must leave room for the 43-character hashed key and for
  // the user index key. Whitespace and control characters are invalid in memcached keys (the text protocol
  // could not address them), so they are refused too.
  if (Buffer.byteLength(keyPrefix, 'utf8') > MAX_PREFIX_BYTES) {
    throw new ConfigurationError(
      `keyPrefix must be at most ${MAX_PREFIX_BYTES} bytes (memcached keys are <= 250 bytes)`,
      {
        store,
      },
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point of this check
  if (/[\s\x00-\x1f\x7f]/.test(keyPrefix)) {
    throw new ConfigurationError('keyPrefix must not contain whitespace or control characters', { store });
  }
  return keyPrefix;
}

/** Applies defaults and validates; throws {@link ConfigurationError}. */
export function resolveOptions(options: MemcachedSessionStoreOptions): ResolvedOptions {
  const name = storeName(options.name, 'memcached');
  refuseRenamedOptions(name, options, [
    ['prefix', 'keyPrefix'],
    ['userIndexGraceSeconds', 'userIndexGraceMs'],
  ]);
  if (!options.client && options.servers === undefined) {
    throw new ConfigurationError('either `client` or `servers` is required', { store: name });
  }
  if (options.client && options.servers !== undefined) {
    throw new ConfigurationError('pass either `client` or `servers`, not both', { store: name });
  }
  const maxItemBytes = integerOption(name, 'maxItemBytes', options.maxItemBytes, 1_048_576, {
    max: 1024 * 1024 * 1024,
  });
  const fits = maxItemBytes - ITEM_OVERHEAD_BYTES - SESSION_HEADER_BYTES - MAX_USER_ID_BYTES;
  if (fits < 1024) throw new ConfigurationError('maxItemBytes is too small', { store: name });
  return {
    name,
    keyPrefix: resolveKeyPrefix(options.keyPrefix, name),
    operationTimeoutMs: integerOption(name, 'operationTimeoutMs', options.operationTimeoutMs, 2000, { max: 600_000 }),
    maxItemBytes,
    maxPayloadBytes: integerOption(name, 'maxPayloadBytes', options.maxPayloadBytes, fits, { max: fits }),
    maxSessionsPerUser: integerOption(name, 'maxSessionsPerUser', options.maxSessionsPerUser, 64, { max: 1000 }),
    userIndexGraceMs: integerOption(name, 'userIndexGraceMs', options.userIndexGraceMs, 3_600_000, { min: 0 }),
    casCacheMs: integerOption(name, 'casCacheMs', options.casCacheMs, 5000, { min: 0 }),
    casCacheSize: integerOption(name, 'casCacheSize', options.casCacheSize, 10_000, { max: 10_000_000 }),
    maxCasAttempts: integerOption(name, 'maxCasAttempts', options.maxCasAttempts, 16, { max: 1000 }),
    virtualNodes: integerOption(name, 'virtualNodes', options.virtualNodes, DEFAULT_VIRTUAL_NODES, { max: 10_000 }),
    clock: options.clock ?? systemClock,
    servers: options.servers === undefined ? undefined : parseServers(options.servers, name),
  };
}

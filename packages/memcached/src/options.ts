/**
 * Options of {@link MemcachedSessionStore} and their validation.
 *
 * @module
 */
import type { Client, ClientOptions, ServerOptions } from 'memjs';
import { ConfigurationError } from '@sessionkit/core';
import type { Clock } from '@sessionkit/core';
import { systemClock } from '@sessionkit/core';
import { MAX_USER_ID_BYTES, SESSION_HEADER_BYTES } from './frame.js';
import { MAX_KEY_BYTES } from './protocol.js';
import { DEFAULT_VIRTUAL_NODES } from './ring.js';

/** What happens when a user's index already holds `maxSessionsPerUser` live sessions and one more is created. */
export type UserIndexFullPolicy = 'evict-oldest' | 'reject';

/** Options for {@link MemcachedSessionStore}. */
export interface MemcachedStoreOptions {
  /**
   * Servers as `"host:port"` strings (or one comma-separated string). Used when no `client` is given; the
   * store then creates the memjs client and closes it in `close()`.
   */
  servers?: string | readonly string[];
  /**
   * An existing memjs client. The store uses its server list (in order) for its own ring and never closes
   * it. Its `failover`/`retries` settings do not apply to the store's requests (see docs).
   */
  client?: Client;
  /** Extra memjs options when the store creates the client (e.g. `username`/`password` for SASL, `keepAlive`). */
  memjsOptions?: ClientOptions & ServerOptions;
  /** Prepended to every key. At most 200 bytes (a 43-character key must still fit in 250). Default `"sk:"`. */
  prefix?: string;
  /** Deadline of every store call, in milliseconds. Default 2000. */
  operationTimeoutMs?: number;
  /**
   * The servers' item size limit (memcached `-I`), in bytes. Default 1,048,576 (1 MB, memcached's default).
   * `capabilities.maxPayloadBytes` is this minus the item, key and frame overheads.
   */
  maxItemBytes?: number;
  /** Most sessions one user's index holds. Default 64, at most 1000. */
  maxSessionsPerUser?: number;
  /** Policy when a user's index is full after pruning dead entries. Default `'evict-oldest'`. */
  onUserIndexFull?: UserIndexFullPolicy;
  /**
   * How long, in seconds, the user index item outlives the latest session deadline it knows. A session
   * whose `expiresAt` moves past the index's guaranteed lifetime rewrites the index once, then again only
   * after this much more sliding. Default 3600.
   */
  userIndexGraceSeconds?: number;
  /**
   * How long (ms) the CAS seen by `get` may be reused by a following `update`/`touch` of the same key to skip
   * the re-read. The CAS is still checked by memcached; a stale one just costs the re-read. 0 disables.
   * Default 5000.
   */
  casCacheMs?: number;
  /** Most keys whose CAS is remembered. Default 10,000. */
  casCacheSize?: number;
  /** CAS attempts before an update/touch/index write gives up with a ConflictError. Default 16. */
  maxCasAttempts?: number;
  /** Points per server on the consistent-hash ring. Default 160. */
  virtualNodes?: number;
  /** Store name used in errors. Default `"memcached"`. */
  name?: string;
  /** Time source (tests). */
  clock?: Clock;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  name: string;
  prefix: string;
  prefixBytes: number;
  operationTimeoutMs: number;
  maxItemBytes: number;
  maxPayloadBytes: number;
  maxSessionsPerUser: number;
  onUserIndexFull: UserIndexFullPolicy;
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
/** Longest prefix accepted; also leaves room for the index key (`prefix + "~user~" + 43 chars`). */
export const MAX_PREFIX_BYTES = MAX_KEY_BYTES - MIN_KEY_ROOM - 7;

function positiveInt(name: string, value: number | undefined, fallback: number, max: number, store: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw new ConfigurationError(`${name} must be an integer between 1 and ${max}`, { store });
  }
  return v;
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number, store: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new ConfigurationError(`${name} must be a non-negative integer`, { store });
  return v;
}

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

/** Applies defaults and validates; throws {@link ConfigurationError}. */
export function resolveOptions(options: MemcachedStoreOptions): ResolvedOptions {
  const name = options.name ?? 'memcached';
  if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError('name must be a non-empty string');
  if (!options.client && options.servers === undefined) {
    throw new ConfigurationError('either `client` or `servers` is required', { store: name });
  }
  if (options.client && options.servers !== undefined) {
    throw new ConfigurationError('pass either `client` or `servers`, not both', { store: name });
  }
  const servers = options.servers === undefined ? undefined : parseServers(options.servers, name);
  const prefix = options.prefix ?? 'sk:';
  if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string', { store: name });
  const prefixBytes = Buffer.byteLength(prefix, 'utf8');
  // Memcached keys are at most 250 bytes; the prefix must leave room for the 43-character hashed key and
  // for the user index key. Whitespace and control characters are invalid in memcached keys (the text
  // protocol could not address them), so they are refused too.
  if (prefixBytes > MAX_PREFIX_BYTES) {
    throw new ConfigurationError(`prefix must be at most ${MAX_PREFIX_BYTES} bytes (memcached keys are <= 250 bytes)`, {
      store: name,
    });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(prefix)) {
    throw new ConfigurationError('prefix must not contain whitespace or control characters', { store: name });
  }
  const maxItemBytes = positiveInt('maxItemBytes', options.maxItemBytes, 1_048_576, 1024 * 1024 * 1024, name);
  const maxPayloadBytes = maxItemBytes - ITEM_OVERHEAD_BYTES - SESSION_HEADER_BYTES - MAX_USER_ID_BYTES;
  if (maxPayloadBytes < 1024) throw new ConfigurationError('maxItemBytes is too small', { store: name });
  const policy = options.onUserIndexFull ?? 'evict-oldest';
  if (policy !== 'evict-oldest' && policy !== 'reject') {
    throw new ConfigurationError("onUserIndexFull must be 'evict-oldest' or 'reject'", { store: name });
  }
  return {
    name,
    prefix,
    prefixBytes,
    operationTimeoutMs: positiveInt('operationTimeoutMs', options.operationTimeoutMs, 2000, 600_000, name),
    maxItemBytes,
    maxPayloadBytes,
    maxSessionsPerUser: positiveInt('maxSessionsPerUser', options.maxSessionsPerUser, 64, 1000, name),
    onUserIndexFull: policy,
    userIndexGraceMs: 1000 * nonNegativeInt('userIndexGraceSeconds', options.userIndexGraceSeconds, 3600, name),
    casCacheMs: nonNegativeInt('casCacheMs', options.casCacheMs, 5000, name),
    casCacheSize: positiveInt('casCacheSize', options.casCacheSize, 10_000, 10_000_000, name),
    maxCasAttempts: positiveInt('maxCasAttempts', options.maxCasAttempts, 16, 1000, name),
    virtualNodes: positiveInt('virtualNodes', options.virtualNodes, DEFAULT_VIRTUAL_NODES, 10_000, name),
    clock: options.clock ?? systemClock,
    servers,
  };
}

/**
 * The storage contract every SessionKit backend implements.
 *
 * Adapters store opaque records: all session policy (expiry rules, touch throttling, merging, user limits)
 * lives in {@link SessionManager}. Keys reach a store already hashed (see {@link hashSessionId}); a store adds
 * its own prefix and nothing else.
 *
 * @module
 */
import { ConfigurationError } from './errors.js';

/** Read consistency requested for one call. */
export type Consistency = 'eventual' | 'strong';

/** Options accepted by {@link SessionStore.get}. */
export interface ReadOptions {
  /**
   * `'eventual'` (the default) may be answered by a replica or a cache; `'strong'` must observe every write
   * acknowledged before the call started. Each adapter documents what the levels mean on its backend.
   */
  consistency?: Consistency;
}

/** One session as a store keeps it. */
export interface StoredSession {
  /** Codec output: attributes plus metadata such as `createdAt`. Opaque to the store. */
  data: Uint8Array;
  /** 1 on create, +1 on every successful update. `touch` does not change it. */
  version: number;
  /** Epoch milliseconds: min(idle deadline, absolute deadline). The record must never be returned after it. */
  expiresAt: number;
  /** The owner, for the per-user index. Fixed at create: `update` is always called with the same value. */
  userId?: string;
}

/** One entry of the per-user index. */
export interface UserSessionEntry {
  /** The store key (the hash of the session ID), never a usable token. */
  key: string;
  /** Epoch milliseconds at which the session expires. */
  expiresAt: number;
}

/** What a store can do, declared so the manager and the conformance suite can adapt to it. */
export interface StoreCapabilities {
  /** Whether `listByUser`/`deleteByUser` are supported (they throw {@link UnsupportedOperationError} otherwise). */
  userIndex: boolean;
  /**
   * The finest expiry resolution the backend honours, in milliseconds (1 for Redis, 1000 for Memcached,
   * Cassandra and DynamoDB's TTL). The store still never returns a record past `expiresAt`.
   */
  ttlGranularityMs: number;
  /** The largest `data` the store accepts, in bytes. Larger payloads fail with {@link PayloadTooLargeError}. */
  maxPayloadBytes: number;
  /** Whether `'strong'` reads are actually stronger than `'eventual'` ones on this backend. */
  strongReads: boolean;
  /** Upper bound on the sessions one user can hold in the index, if the backend's index is bounded. */
  maxSessionsPerUser?: number;
  /**
   * Whether the optional admin enumeration {@link SessionStore.scan} is implemented. Absent or `false`: the
   * store has no `scan` (backends whose only enumeration is a full table scan do not offer it).
   */
  scan?: boolean;
}

/** Options of {@link SessionStore.scan}. */
export interface ScanOptions {
  /** Where to go on: the `cursor` of the previous page. Omit it to start a scan. */
  cursor?: string;
  /**
   * About how many records one call examines (default {@link DEFAULT_SCAN_LIMIT}, at most
   * {@link MAX_SCAN_LIMIT}). The bound of one call's work: a store stops at it exactly or, like Redis's
   * `SCAN ... COUNT`, treats it as a hint of the same order of magnitude.
   */
  limit?: number;
}

/** One record listed by {@link SessionStore.scan}. */
export interface ScanEntry {
  /** The store key (the hash of the session ID), exactly as it was passed to `create`. */
  key: string;
  /** The live record, as `get` would return it. */
  session: StoredSession;
}

/** One page of {@link SessionStore.scan}. */
export interface ScanPage {
  /** Live records of this page; possibly none even though the scan is not over. */
  entries: ScanEntry[];
  /** Pass it back to get the next page; `undefined` once the scan is over. Opaque. */
  cursor: string | undefined;
}

/** Records one {@link SessionStore.scan} call examines when `limit` is not given. */
export const DEFAULT_SCAN_LIMIT = 100;
/** The largest `limit` a {@link SessionStore.scan} call accepts. */
export const MAX_SCAN_LIMIT = 1000;

/**
 * The `limit` of a scan call: {@link DEFAULT_SCAN_LIMIT} when absent, else an integer from 1 to
 * {@link MAX_SCAN_LIMIT}; anything else throws {@link ConfigurationError} tagged with the store.
 */
export function scanLimit(store: string, limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_SCAN_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
    throw new ConfigurationError(`scan limit must be an integer from 1 to ${MAX_SCAN_LIMIT}`, {
      store,
      operation: 'scan',
    });
  }
  return limit;
}

/**
 * The contract every session backend implements. Every method returns a Promise; a miss is `null`.
 * Failures are thrown as typed {@link SessionKitError}s tagged with {@link SessionStore.name}.
 */
export interface SessionStore {
  /** A short name for errors and metrics, e.g. `"redis"`. */
  readonly name: string;
  /** What this store supports. */
  readonly capabilities: StoreCapabilities;
  /** Reads a live record, or `null` if it is missing or past `expiresAt`. */
  get(key: string, options?: ReadOptions): Promise<StoredSession | null>;
  /** Inserts the record only if no live record has this key. Resolves `true` if it was written. */
  create(key: string, session: StoredSession): Promise<boolean>;
  /**
   * Compare-and-set: replaces the record only if the stored version equals `expectedVersion`.
   * `session.version` must be `expectedVersion + 1`. Resolves `false` on mismatch or when the record is missing.
   */
  update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean>;
  /** Moves `expiresAt` of a live record without changing its data or version. `false` if missing; never resurrects. */
  touch(key: string, expiresAt: number): Promise<boolean>;
  /** Deletes the record. Resolves `true` if a live record was deleted. Idempotent. */
  delete(key: string): Promise<boolean>;
  /** Lists the live sessions of one user, in O(sessions of that user). */
  listByUser(userId: string): Promise<UserSessionEntry[]>;
  /** Deletes every session of one user; resolves how many live sessions were deleted. */
  deleteByUser(userId: string): Promise<number>;
  /**
   * Optional admin enumeration, present when `capabilities.scan` is true; never used on the request path.
   * Lists the live records under this store's prefix one bounded page per call: start without a cursor and
   * pass each page's `cursor` back until it is `undefined`. Expired records are never listed. A record live
   * from the first call to the last is listed; one created or deleted during the scan may or may not be. A record is listed once, except where the backend reorganises beneath a
   * running scan (the store documents when). A malformed cursor rejects with {@link ConfigurationError}.
   */
  scan?(options?: ScanOptions): Promise<ScanPage>;
  /** Releases connections the store owns. Further calls reject. */
  close(): Promise<void>;
}

/**
 * The embedded default store: the whole {@link SessionStore} contract in process memory.
 *
 * Memory is bounded by `maxSessions` (and each record by `maxPayloadBytes`). Entries are found through a
 * `Map` and kept in a list ordered by last write (create, update and touch move an entry to the tail), so:
 * - expiry needs no timer: reads filter by `expiresAt`, and every write first drops up to
 *   {@link SWEEP_PER_WRITE} expired entries from the head of the list, where the oldest writes sit;
 * - when the store is full, the eviction policy removes the least recently written (or touched) session,
 *   which is the one closest to its idle deadline. Each eviction is counted in {@link MemoryStore.stats}.
 *
 * The order is a doubly linked list through the entries rather than the `Map`'s own insertion order: moving
 * an entry to the end of a `Map` means a delete and a set, and each delete leaves a hole that the table
 * carries until its next rehash, which with a million sessions copies a million entries. Relinking costs a
 * few pointer writes whatever the size.
 *
 * `scan` walks a second order that never changes, creation order: a log of (key, creation number) pairs,
 * appended at every create. A cursor is the creation number of the last pair visited, found again by binary
 * search, so pages are stable under any writes. Deletes leave their pair behind (it no longer matches the
 * entry, if any, now under that key); the log is compacted once it holds twice as many pairs as entries.
 *
 * @module
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { ConfigurationError, StoreClosedError } from './errors.js';
import type {
  ReadOptions,
  ScanEntry,
  ScanOptions,
  ScanPage,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from './store.js';
import { scanLimit } from './store.js';
import { assertValidExpiry, assertValidKey, assertValidRecord, assertValidUserId } from './store-guards.js';
import { assertPayloadFits, isLive } from './store-helpers.js';

/** Expired entries a single write may purge from the head of the write-order list. */
const SWEEP_PER_WRITE = 8;
/** Stale pairs the creation log may hold beyond one per entry before it is compacted. */
const LOG_SLACK = 1024;
/** Size of the shared blocks that the copies handed out by `get` are cut from (see {@link copyOut}). */
const SLAB_BYTES = 64 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * A private copy of `data` for a caller. Small copies are cut from a shared 64 KiB block instead of each
 * getting an ArrayBuffer of its own (why: commit 370889f); a block is freed when no copy cut from it is
 * referenced any more.
 */
function copyOut(data: Uint8Array): Uint8Array {
  const size = data.byteLength;
  if (size > SLAB_BYTES / 8) return data.slice();
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, size);
  out.set(data);
  // Keep every copy 8-byte aligned, as a fresh ArrayBuffer would be.
  slabUsed += (size + 7) & ~7;
  return out;
}

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most sessions held at once; the least recently written is evicted beyond it. Default 100,000. */
  maxSessions?: number;
  /** Largest accepted payload in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Time source (inject a {@link ManualClock} in tests). */
  clock?: Clock;
  /** Name used in errors. Default `"memory"`. */
  name?: string;
}

/** Counters describing the store's state. */
export interface MemoryStoreStats {
  /** Entries currently held (some may be expired and not yet purged). */
  entries: number;
  /** Live sessions removed because the store was full. */
  evictions: number;
  /** Expired entries purged. */
  expired: number;
}

interface Entry {
  readonly key: string;
  /** Creation number: its pair in the creation log (see {@link MemoryStore.scan}). */
  readonly seq: number;
  data: Uint8Array;
  version: number;
  expiresAt: number;
  userId: string | undefined;
  /** Neighbours in write order (`undefined` at the ends). */
  older: Entry | undefined;
  newer: Entry | undefined;
}

/** In-process {@link SessionStore}: the default store of {@link SessionManager}. Not shared between processes. */
export class MemoryStore implements SessionStore {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly #entries = new Map<string, Entry>();
  /** The least recently written entry, and the most recently written one. */
  #oldest: Entry | undefined;
  #newest: Entry | undefined;
  readonly #byUser = new Map<string, Set<string>>();
  /** The creation log: keys and their entries' creation numbers, in creation order (numbers increase). */
  #logKeys: string[] = [];
  #logSeqs: number[] = [];
  #nextSeq = 1;
  readonly #maxSessions: number;
  readonly #clock: Clock;
  #evictions = 0;
  #expired = 0;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.name = options.name ?? 'memory';
    this.#maxSessions = options.maxSessions ?? 100_000;
    const maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(this.#maxSessions) || this.#maxSessions < 1) {
      throw new ConfigurationError('maxSessions must be a positive integer', { store: this.name });
    }
    if (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1) {
      throw new ConfigurationError('maxPayloadBytes must be a positive integer', { store: this.name });
    }
    this.#clock = options.clock ?? systemClock;
    this.capabilities = { userIndex: true, ttlGranularityMs: 1, maxPayloadBytes, strongReads: false, scan: true };
  }

  /** Current counters. */
  get stats(): MemoryStoreStats {
    return { entries: this.#entries.size, evictions: this.#evictions, expired: this.#expired };
  }

  async get(key: string, _options?: ReadOptions): Promise<StoredSession | null> {
    const entry = this.#live(key, 'get');
    return entry ? this.#snapshot(entry) : null;
  }

  async create(key: string, session: StoredSession): Promise<boolean> {
    this.#checkWrite('create', key, session);
    if (this.#live(key, 'create')) return false;
    if (!isLive(session.expiresAt, this.#clock.now())) return true; // born dead: nothing to keep
    this.#sweep();
    while (this.#entries.size >= this.#maxSessions) this.#evictOldest();
    this.#put(this.#copy(key, session, session.userId));
    return true;
  }

  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    this.#checkWrite('update', key, session);
    // Sweep first: a sweep after the liveness check could purge the very entry about to be updated, if its
    // deadline passed in between.
    this.#sweep();
    const current = this.#live(key, 'update');
    if (!current || current.version !== expectedVersion) return false;
    // The owner is fixed at create (see StoredSession.userId): keep the indexed one. The entry and, when the
    // size is unchanged (a counter, a cart item swapped), its bytes are reused: the stored bytes never leave
    // the store (`get` copies), so nothing else can observe them change, and no new ArrayBuffer is made.
    if (current.data.byteLength === session.data.byteLength) current.data.set(session.data);
    else current.data = Uint8Array.prototype.slice.call(session.data);
    current.version = session.version;
    current.expiresAt = session.expiresAt;
    this.#moveToNewest(current);
    return true;
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    this.#checkOpen('touch');
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    const current = this.#live(key, 'touch');
    if (!current) return false;
    if (!isLive(expiresAt, this.#clock.now())) {
      this.#remove(current);
      return true;
    }
    current.expiresAt = expiresAt;
    this.#moveToNewest(current);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    this.#checkOpen('delete');
    assertValidKey(this.name, 'delete', key);
    const current = this.#live(key, 'delete');
    if (!current) return false;
    this.#remove(current);
    return true;
  }

  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.#checkOpen('listByUser');
    assertValidUserId(this.name, 'listByUser', userId);
    const result: UserSessionEntry[] = [];
    for (const key of [...(this.#byUser.get(userId) ?? [])]) {
      const entry = this.#live(key, 'listByUser');
      if (entry) result.push({ key, expiresAt: entry.expiresAt });
    }
    return result;
  }

  async deleteByUser(userId: string): Promise<number> {
    this.#checkOpen('deleteByUser');
    assertValidUserId(this.name, 'deleteByUser', userId);
    let deleted = 0;
    for (const key of [...(this.#byUser.get(userId) ?? [])]) {
      const entry = this.#live(key, 'deleteByUser');
      if (entry) {
        this.#remove(entry);
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Lists live records in creation order, `limit` creation-log pairs per call (a page can hold fewer
   * entries: deleted or expired ones are skipped, and expired ones purged). A record is listed at most once
   * per scan, and a record live for the whole scan exactly once, whatever is written meanwhile.
   */
  async scan(options: ScanOptions = {}): Promise<ScanPage> {
    this.#checkOpen('scan');
    const limit = scanLimit(this.name, options.limit);
    const after = options.cursor === undefined ? 0 : this.#parseCursor(options.cursor);
    const keys = this.#logKeys;
    const seqs = this.#logSeqs;
    const entries: ScanEntry[] = [];
    let i = firstAbove(seqs, after);
    const end = Math.min(seqs.length, i + limit);
    for (; i < end; i++) {
      const entry = this.#live(keys[i]!, 'scan');
      // A pair whose key now holds another entry (or none) is stale: that record was deleted.
      if (entry !== undefined && entry.seq === seqs[i])
        entries.push({ key: entry.key, session: this.#snapshot(entry) });
    }
    return { entries, cursor: i < seqs.length ? String(seqs[i - 1]!) : undefined };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
    this.#oldest = this.#newest = undefined;
    this.#byUser.clear();
    this.#logKeys = [];
    this.#logSeqs = [];
  }

  #parseCursor(cursor: string): number {
    const seq = typeof cursor === 'string' && /^[1-9][0-9]{0,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
    if (!Number.isSafeInteger(seq)) {
      throw new ConfigurationError('malformed scan cursor', { store: this.name, operation: 'scan' });
    }
    return seq;
  }

  /** Appends a new entry's pair to the creation log, compacting the log first when it is mostly stale. */
  #logCreate(entry: Entry): void {
    if (this.#logKeys.length >= 2 * this.#entries.size + LOG_SLACK) {
      const keys: string[] = [];
      const seqs: number[] = [];
      this.#logKeys.forEach((key, i) => {
        const seq = this.#logSeqs[i]!;
        if (this.#entries.get(key)?.seq === seq) {
          keys.push(key);
          seqs.push(seq);
        }
      });
      this.#logKeys = keys;
      this.#logSeqs = seqs;
    }
    this.#logKeys.push(entry.key);
    this.#logSeqs.push(entry.seq);
  }

  /** Returns the entry if it is live; purges it if it has expired. */
  #live(key: string, operation: string): Entry | undefined {
    this.#checkOpen(operation);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isLive(entry.expiresAt, this.#clock.now())) return entry;
    this.#remove(entry);
    this.#expired++;
    return undefined;
  }

  /** A copy of the entry's record, so a caller that mutates what it read cannot change what is stored. */
  #snapshot(entry: Entry): StoredSession {
    const session: StoredSession = { data: copyOut(entry.data), version: entry.version, expiresAt: entry.expiresAt };
    if (entry.userId !== undefined) session.userId = entry.userId;
    return session;
  }

  #put(entry: Entry): void {
    this.#logCreate(entry);
    this.#entries.set(entry.key, entry);
    this.#linkNewest(entry);
    if (entry.userId === undefined) return;
    let keys = this.#byUser.get(entry.userId);
    if (!keys) this.#byUser.set(entry.userId, (keys = new Set()));
    keys.add(entry.key);
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#unindex(entry.key, entry.userId);
  }

  #unindex(key: string, userId: string | undefined): void {
    if (userId === undefined) return;
    const keys = this.#byUser.get(userId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#byUser.delete(userId);
  }

  /** Makes `entry` the most recently written. */
  #moveToNewest(entry: Entry): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#linkNewest(entry);
  }

  #linkNewest(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = entry.newer = undefined;
  }

  /** Purges a few expired entries from the head (least recently written) of the list. */
  #sweep(): void {
    const now = this.#clock.now();
    for (let budget = SWEEP_PER_WRITE; budget > 0; budget--) {
      const entry = this.#oldest;
      if (entry === undefined || isLive(entry.expiresAt, now)) return;
      this.#remove(entry);
      this.#expired++;
    }
  }

  #evictOldest(): void {
    const entry = this.#oldest;
    if (entry === undefined) return;
    this.#remove(entry);
    if (isLive(entry.expiresAt, this.#clock.now())) this.#evictions++;
    else this.#expired++;
  }

  /** The entry to keep for a written record: a private copy of the bytes, and the given owner. */
  #copy(key: string, session: StoredSession, userId: string | undefined): Entry {
    return {
      key,
      seq: this.#nextSeq++,
      data: Uint8Array.prototype.slice.call(session.data),
      version: session.version,
      expiresAt: session.expiresAt,
      userId,
      older: undefined,
      newer: undefined,
    };
  }

  #checkWrite(operation: string, key: string, session: StoredSession): void {
    this.#checkOpen(operation);
    assertValidRecord(this.name, operation, key, session);
    assertPayloadFits(this.name, operation, session.data, this.capabilities.maxPayloadBytes);
  }

  #checkOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }
}

/** The first index of ascending `seqs` whose value is above `after` (`seqs.length` if none). */
function firstAbove(seqs: readonly number[], after: number): number {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seqs[mid]! > after) high = mid;
    else low = mid + 1;
  }
  return low;
}

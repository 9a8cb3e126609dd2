/**
 * {@link NearCache}: a bounded in-process cache of recently read sessions, for adapters and composite stores
 * that put one in front of a remote backend (the tiered store's optional near cache, the Redis store's
 * invalidated cache).
 *
 * Two rules keep it from serving what the backend no longer holds:
 * - every entry has a validity window (`maxAgeMs`, and never past the session's own `expiresAt`), the bound on
 *   staleness when nothing else tells the cache about a change;
 * - a read that was in flight when its key was invalidated does not fill the cache. Without that, a reply
 *   that left the backend before a write, but arrived after the write's invalidation, would put the old
 *   value back for a whole window. Callers read through {@link NearCache.readThrough} (or bracket a backend
 *   read with {@link NearCache.beginRead} and {@link NearCache.finishRead}) and write through
 *   {@link NearCache.writeThrough}, which invalidates the key once the write has settled.
 *
 * Eviction is oldest-filled first once `maxEntries` is reached. Each hit returns a copy of the stored bytes,
 * so a caller that mutates what it got cannot change what the next caller reads.
 *
 * @module
 */
import type { StoredSession } from './store.js';

/** Near-cache settings. */
export interface NearCacheOptions {
  /** Longest time an entry is served after it was read from the backend, in ms (the staleness bound). */
  maxAgeMs: number;
  /** Most entries held; the oldest-filled is dropped beyond it. Default 10,000. */
  maxEntries?: number;
}

/** Counters of a {@link NearCache} since it was created. */
export interface NearCacheStats {
  /** Reads answered from the cache. */
  hits: number;
  /** Lookups that found nothing valid. */
  misses: number;
  /** Keys invalidated (by the caller's writes or by the backend's notifications). */
  invalidations: number;
  /** Backend reads that were not cached because their key was invalidated while they were in flight. */
  discardedFills: number;
  /** Entries held now. */
  entries: number;
}

interface Entry {
  session: StoredSession;
  validUntil: number;
}

/** The in-flight backend reads of one key; shared by concurrent readers of that key. */
export interface ReadTicket {
  readonly key: string;
  /** Readers still in flight. */
  readers: number;
  /** Set when the key was invalidated during the reads: none of them may fill the cache. */
  stale: boolean;
}

/** A bounded map of recently read sessions, each valid for a short window. */
export class NearCache {
  readonly #entries = new Map<string, Entry>();
  readonly #reads = new Map<string, ReadTicket>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #stats = { hits: 0, misses: 0, invalidations: 0, discardedFills: 0 };

  constructor(options: NearCacheOptions) {
    this.#maxAgeMs = options.maxAgeMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** A copy of the entry for `key` if it is still valid at `now`. */
  get(key: string, now: number): StoredSession | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.validUntil <= now) {
      if (entry !== undefined) this.#entries.delete(key);
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    return copyOf(entry.session);
  }

  /**
   * Answers from the cache if it can; otherwise runs `load` (the backend read) and caches what it returns,
   * unless the key was invalidated meanwhile. `now` is the caller's clock.
   */
  async readThrough(
    key: string,
    now: () => number,
    load: () => Promise<StoredSession | null>,
  ): Promise<StoredSession | null> {
    const hit = this.get(key, now());
    if (hit !== undefined) return hit;
    const ticket = this.beginRead(key);
    let session: StoredSession | null | undefined;
    try {
      session = await load();
      return session;
    } finally {
      this.finishRead(ticket, session, now());
    }
  }

  /**
   * Runs `write` (a backend write of `key`) and invalidates the key once it has settled, whatever the
   * outcome: a read served from the cache while the write was in flight is one ordered before it, and a read
   * that began meanwhile may have been answered before the write landed, so it must not stay cached.
   */
  async writeThrough<T>(key: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.invalidate(key);
    }
  }

  /** Registers a backend read of `key` about to be sent; pass the ticket to {@link finishRead}. */
  beginRead(key: string): ReadTicket {
    let ticket = this.#reads.get(key);
    if (ticket === undefined) {
      ticket = { key, readers: 0, stale: false };
      this.#reads.set(key, ticket);
    }
    ticket.readers++;
    return ticket;
  }

  /**
   * Ends a backend read. `session` (what the backend answered, `null` for a miss, `undefined` for a failure)
   * is cached at `now` unless the key was invalidated while the read was in flight.
   */
  finishRead(ticket: ReadTicket, session: StoredSession | null | undefined, now: number): void {
    if (--ticket.readers === 0 && this.#reads.get(ticket.key) === ticket) this.#reads.delete(ticket.key);
    if (session === null || session === undefined) return;
    if (ticket.stale) {
      this.#stats.discardedFills++;
      return;
    }
    const validUntil = Math.min(now + this.#maxAgeMs, session.expiresAt);
    if (validUntil <= now) return;
    this.#entries.delete(ticket.key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(ticket.key, { session: copyOf(session), validUntil });
  }

  /** Forgets `key`, and keeps the reads of it now in flight from filling the cache. */
  invalidate(key: string): void {
    this.#stats.invalidations++;
    this.#entries.delete(key);
    const ticket = this.#reads.get(key);
    if (ticket !== undefined) {
      ticket.stale = true;
      // Later readers of the key start a fresh ticket; the stale one lives on only in the reads holding it.
      this.#reads.delete(key);
    }
  }

  /** Forgets everything, and keeps every read now in flight from filling the cache. */
  clear(): void {
    this.#entries.clear();
    for (const ticket of this.#reads.values()) ticket.stale = true;
    this.#reads.clear();
  }

  /** The counters so far. */
  get stats(): NearCacheStats {
    return { ...this.#stats, entries: this.#entries.size };
  }
}

/** A copy of `session` with bytes of its own, so neither the cache nor its callers share a buffer. */
function copyOf(session: StoredSession): StoredSession {
  const copy: StoredSession = { data: session.data.slice(), version: session.version, expiresAt: session.expiresAt };
  if (session.userId !== undefined) copy.userId = session.userId;
  return copy;
}

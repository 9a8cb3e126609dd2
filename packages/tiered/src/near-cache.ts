/**
 * An optional in-process cache in front of the tiers, off by default. Each entry lives at most `maxTtlMs`
 * (and never past the session's own `expiresAt`), which is the staleness bound: a change made through another
 * process is seen here at most `maxTtlMs` later. Changes made through this process invalidate it at once.
 *
 * @module
 */
import type { StoredSession } from '@sessionkit/core';

/** Near-cache settings. */
export interface NearCacheOptions {
  /** Longest time an entry is served without asking the tiers, in ms (the staleness bound). */
  maxTtlMs: number;
  /** Most entries held; the oldest is dropped beyond it. Default 10,000. */
  maxEntries?: number;
}

interface Entry {
  session: StoredSession;
  validUntil: number;
}

/** A bounded map of recently read sessions, each valid for a short time. */
export class NearCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxTtlMs: number;
  readonly #maxEntries: number;

  constructor(options: NearCacheOptions) {
    this.#maxTtlMs = options.maxTtlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** The entry if it is still within its validity window at `now`. */
  get(key: string, now: number): StoredSession | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.validUntil > now) return entry.session;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers a session read from the tiers at `now`. */
  set(key: string, session: StoredSession, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { session, validUntil: Math.min(now + this.#maxTtlMs, session.expiresAt) });
  }

  /** Forgets one key (after any write through this process). */
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * {@link CasTokenCache}: the CAS token (and frame header) each key had when this process last read or wrote it.
 *
 * The store contract has no place for a CAS token (`get` returns a record, `update` takes a version), yet the
 * usual request is `get` then `update` of the same key. Remembering the CAS from the `get` lets the update go
 * out as a single CAS SET instead of GET + CAS SET. This is safe because memcached checks the CAS: any change
 * to the item since (update, touch, delete, eviction, re-create) changes or removes it, and the write fails
 * with KEY_EEXISTS / KEY_ENOENT, after which the store re-reads as if nothing had been remembered. Entries are
 * only trusted for `ttlMs` (a restarted memcached counts CAS values from the start again).
 *
 * Only the header is kept, never the data (why: docs/memcached.md, "Compare-and-set"), so a `touch`, which
 * rewrites the data it read, always reads first.
 *
 * @module
 */
import type { SessionFrame } from './record.js';

/** The frame header as remembered: everything but the data. */
export type CachedFrame = Omit<SessionFrame, 'data'>;

/** What was seen for a key. */
export interface CasToken {
  /** The CAS as a bigint, not a view into memjs's receive buffer (which a Buffer would keep alive). */
  cas: bigint;
  /** The frame header written or read with that CAS. */
  frame: CachedFrame;
  /** Epoch ms when it was seen. */
  at: number;
}

/** A bounded, insertion-ordered map of {@link CasToken}s; the oldest entry goes first when full. */
export class CasTokenCache {
  readonly #map = new Map<string, CasToken>();
  readonly #size: number;
  readonly #ttlMs: number;

  /**
   * @param size most keys remembered
   * @param ttlMs how long a token is trusted; 0 disables the cache
   */
  constructor(size: number, ttlMs: number) {
    this.#size = size;
    this.#ttlMs = ttlMs;
  }

  /** Remembers `cas` and the frame header for `key` (no-op when disabled). */
  set(key: string, cas: bigint, frame: CachedFrame, now: number): void {
    if (this.#ttlMs === 0) return;
    this.#map.delete(key);
    if (this.#map.size >= this.#size) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, { cas, frame, at: now });
  }

  /** The remembered token if it is recent enough. */
  get(key: string, now: number): CasToken | undefined {
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    if (now - hit.at > this.#ttlMs || now < hit.at) {
      this.#map.delete(key);
      return undefined;
    }
    return hit;
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#map.clear();
  }

  /** Number of remembered keys. */
  get size(): number {
    return this.#map.size;
  }
}

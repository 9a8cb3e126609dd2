/**
 * A small bounded memory of the CAS each key had when this process last read or wrote it.
 *
 * The store contract has no place for a CAS token (`get` returns a record, `update` takes a version), yet the
 * usual request is `get` then `update`/`touch` of the same key. Remembering the CAS from the `get` lets the
 * write go out as a single CAS SET instead of GET + CAS SET. This is safe because memcached checks the CAS:
 * any change to the item since (update, touch, delete, eviction, re-create) changes or removes it, and the
 * write fails with KEY_EEXISTS / KEY_ENOENT, after which the store re-reads as if nothing had been cached.
 * Entries are only trusted for `ttlMs` (memcached restarts reset the CAS counter; a short window makes a
 * collision with a restarted server's counter practically impossible).
 *
 * @module
 */
import type { SessionFrame } from './frame.js';

/** What was seen for a key. */
export interface CachedCas {
  cas: Buffer;
  frame: SessionFrame;
  /** Epoch ms when it was seen. */
  at: number;
}

/** Insertion-ordered bounded map; the oldest entry goes first when full. */
export class CasCache {
  readonly #map = new Map<string, CachedCas>();
  readonly #size: number;
  readonly #ttlMs: number;

  constructor(size: number, ttlMs: number) {
    this.#size = size;
    this.#ttlMs = ttlMs;
  }

  /** Remembers `cas` for `key` (no-op when disabled). */
  set(key: string, cas: Buffer, frame: SessionFrame, now: number): void {
    if (this.#ttlMs === 0) return;
    this.#map.delete(key);
    if (this.#map.size >= this.#size) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, { cas, frame, at: now });
  }

  /** The remembered CAS if it is recent enough. */
  get(key: string, now: number): CachedCas | undefined {
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

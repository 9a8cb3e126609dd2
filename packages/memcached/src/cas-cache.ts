/**
 * A small bounded memory of the CAS (and frame header) each key had when this process last read or wrote it.
 *
 * The store contract has no place for a CAS token (`get` returns a record, `update` takes a version), yet the
 * usual request is `get` then `update`/`touch` of the same key. Remembering the CAS from the `get` lets the
 * write go out as a single CAS SET instead of GET + CAS SET. This is safe because memcached checks the CAS:
 * any change to the item since (update, touch, delete, eviction, re-create) changes or removes it, and the
 * write fails with KEY_EEXISTS / KEY_ENOENT, after which the store re-reads as if nothing had been cached.
 * Entries are only trusted for `ttlMs` (memcached restarts reset the CAS counter; a short window makes a
 * collision with a restarted server's counter practically impossible).
 *
 * Only `update` uses it: an update replaces the data, so the header (version, owner, index lifetime) is all
 * it needs. The data itself is deliberately not kept: holding a copy of every session read (one ArrayBuffer
 * each, surviving until the next read) tripled GC time under load and halved throughput in the benchmark.
 * A `touch`, which must rewrite the data it read, always reads first.
 *
 * @module
 */
import type { SessionFrame } from './frame.js';

/** The frame header as remembered: everything but the data. */
export type CachedFrame = Omit<SessionFrame, 'data'>;

/** What was seen for a key. */
export interface CachedCas {
  /**
   * The CAS as a bigint: the response's 8 bytes are a view into memjs's receive buffer, which a cached
   * Buffer would keep alive, and an own 8-byte ArrayBuffer per read costs more than the bigint.
   */
  cas: bigint;
  frame: CachedFrame;
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

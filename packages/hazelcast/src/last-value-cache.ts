/**
 * A small, byte-bounded LRU of the last value this store read or wrote per key.
 *
 * Why: Hazelcast's compare-and-set (`replaceIfSame(key, old, new)`) compares the *whole* stored value, while
 * `update(key, session, expectedVersion)` only receives a version. Without this cache every update would
 * first read the record again (one extra round trip). With it, `get` followed by `update` (the manager's
 * normal flow) sends exactly the calls a hand-written client would. It is never a source of truth: the member
 * compares the value atomically, and a stale cached value only makes the first `replaceIfSame` fail, after
 * which the store reads the record and retries.
 *
 * @module
 */
import type { DecodedRecord } from './record.js';

/** Fixed per-entry overhead counted on top of the payload, so that tiny records are bounded by count too. */
const ENTRY_OVERHEAD_BYTES = 256;

/** Byte-bounded LRU of the last known stored value per backend key. */
export class LastValueCache {
  readonly #entries = new Map<string, DecodedRecord>();
  readonly #maxBytes: number;
  #bytes = 0;

  /** @param maxBytes the budget: payloads + keys + a fixed overhead per entry. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The last known value of `key`, refreshed as most recently used. */
  get(key: string): DecodedRecord | undefined {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  /** Remembers `record` as the current value of `key`. */
  set(key: string, record: DecodedRecord): void {
    const size = record.data.byteLength + key.length + ENTRY_OVERHEAD_BYTES;
    this.delete(key);
    if (size > this.#maxBytes) return;
    this.#entries.set(key, record);
    this.#bytes += size;
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.data.byteLength + oldest.length + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const old = this.#entries.get(key);
    if (old === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= old.data.byteLength + key.length + ENTRY_OVERHEAD_BYTES;
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries currently held (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * A pass-through store that counts calls, so checks can assert how many store calls or writes an operation
 * cost. The one counting store of the repository's tests (conformance, http, tiered): a call is counted when
 * it is made, whether it then succeeds or fails.
 *
 * @module
 */
import type { ReadOptions, ScanOptions, SessionStore, StoredSession } from '@sessionkit/core';

/** Calls per store method. */
export interface StoreCallCounts {
  get: number;
  create: number;
  update: number;
  touch: number;
  delete: number;
  listByUser: number;
  deleteByUser: number;
  scan: number;
}

/** A {@link SessionStore} that forwards to another and counts every call. */
export interface CountingStore extends SessionStore {
  /** Calls so far, per method. */
  readonly counts: Readonly<StoreCallCounts>;
  /** Writes so far, the calls that may change what is stored: create + update + touch + delete + deleteByUser. */
  writes(): number;
  /** Every call so far, in total: the writes plus get, listByUser and scan. */
  calls(): number;
  /** Sets every counter back to zero. */
  reset(): void;
  /** Keys passed to `create` so far (for cleanup). */
  readonly createdKeys: readonly string[];
}

/**
 * Wraps `inner` so each call is counted; `onCreate` sees every key passed to `create`. `close()` is not forwarded: the wrapped store stays owned by whoever
 * opened it.
 */
export function countingStore(inner: SessionStore, onCreate?: (key: string) => void): CountingStore {
  const counts: StoreCallCounts = {
    get: 0,
    create: 0,
    update: 0,
    touch: 0,
    delete: 0,
    listByUser: 0,
    deleteByUser: 0,
    scan: 0,
  };
  const createdKeys: string[] = [];
  const store: CountingStore = {
    name: inner.name,
    capabilities: inner.capabilities,
    counts,
    createdKeys,
    writes: () => counts.create + counts.update + counts.touch + counts.delete + counts.deleteByUser,
    calls: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset() {
      for (const name of Object.keys(counts) as (keyof StoreCallCounts)[]) counts[name] = 0;
    },
    get(key: string, options?: ReadOptions) {
      counts.get++;
      return inner.get(key, options);
    },
    create(key: string, session: StoredSession) {
      counts.create++;
      createdKeys.push(key);
      onCreate?.(key);
      return inner.create(key, session);
    },
    update(key: string, session: StoredSession, expectedVersion: number) {
      counts.update++;
      return inner.update(key, session, expectedVersion);
    },
    touch(key: string, expiresAt: number) {
      counts.touch++;
      return inner.touch(key, expiresAt);
    },
    delete(key: string) {
      counts.delete++;
      return inner.delete(key);
    },
    listByUser(userId: string) {
      counts.listByUser++;
      return inner.listByUser(userId);
    },
    deleteByUser(userId: string) {
      counts.deleteByUser++;
      return inner.deleteByUser(userId);
    },
    async close() {},
  };
  // Forwarded only where the inner store has it, so the capability and the method stay in step.
  if (inner.scan) {
    const scan = inner.scan.bind(inner);
    store.scan = (options?: ScanOptions) => {
      counts.scan++;
      return scan(options);
    };
  }
  return store;
}

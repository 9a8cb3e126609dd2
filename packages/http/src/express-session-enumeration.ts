/**
 * express-session's `all`, `length` and `clear` for the bridge, over the store's admin enumeration
 * ({@link SessionStore.scan}, declared by `capabilities.scan`). On a store without it they reject with
 * {@link UnsupportedOperationError}: the bridge never falls back to anything that scans otherwise.
 *
 * The bridge knows store keys (hashes of sids), never sids, so the hashed key stands in for the sid. Only
 * records that are express-session sessions count: the JSON of an object with a `cookie` object. Records of
 * `@sessionkit/http`'s own middleware sharing the store, and the bridge's legacy claims, are left out (and left
 * alone by `clear`).
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { MAX_SCAN_LIMIT, UnsupportedOperationError } from '@sessionkit/core';
import type { ExpressSessionData } from './express-session-record.js';
import { decodeSession } from './express-session-record.js';

/** The express-session sessions of one store, page by page. */
export class SessionEnumeration {
  readonly #store: SessionStore;

  /** Enumerates `store` (checked for `capabilities.scan` at each call). */
  constructor(store: SessionStore) {
    this.#store = store;
  }

  /** Every session, keyed by its store key, in an object without a prototype (as express-session's MemoryStore). */
  async all(): Promise<Record<string, ExpressSessionData>> {
    const sessions = Object.create(null) as Record<string, ExpressSessionData>;
    for await (const page of this.#pages('all')) for (const [key, session] of page) sessions[key] = session;
    return sessions;
  }

  /** How many sessions there are. */
  async length(): Promise<number> {
    let count = 0;
    for await (const page of this.#pages('length')) count += page.length;
    return count;
  }

  /** Deletes every session `all` would list, one `delete` each (a page at a time). */
  async clear(): Promise<void> {
    for await (const page of this.#pages('clear')) await Promise.all(page.map(([key]) => this.#store.delete(key)));
  }

  /** The sessions page by page, each store key once even where the backend lists it twice. */
  async *#pages(operation: string): AsyncGenerator<[string, ExpressSessionData][]> {
    const store = this.#store;
    if (store.capabilities.scan !== true || typeof store.scan !== 'function') {
      throw new UnsupportedOperationError(
        `${operation}() needs the store's admin enumeration (capabilities.scan), which this store does not offer`,
        { store: store.name, operation },
      );
    }
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await store.scan({ cursor, limit: MAX_SCAN_LIMIT });
      const sessions: [string, ExpressSessionData][] = [];
      for (const { key, session } of page.entries) {
        const data = decodeSession(session.data);
        if (data === null || data.cookie === null || typeof data.cookie !== 'object' || seen.has(key)) continue;
        seen.add(key);
        sessions.push([key, data]);
      }
      yield sessions;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
}

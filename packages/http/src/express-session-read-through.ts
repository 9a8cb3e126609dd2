/**
 * The bridge's `legacy` option: a sid the SessionKit store does not know is looked up in the old
 * express-session store, and a live session found there is moved under the sid's hashed key, once, so swapping
 * the store logs no one out.
 *
 * Exactly once, across processes: the move first creates a *claim* (insert-if-absent, an empty record under
 * `hashSessionId("legacy-claim " + sid)`, which no sid hashes to: sids have no spaces) that lives as long as
 * the legacy session would, then the session record (insert-if-absent too), then marks the claim done (its
 * version goes from 1 to 2). A request that loses the claim waits (jittered backoff) until the session record
 * is there or the claim is done, and reads the record; after `retry.timeoutMs` it takes the move over (a
 * compare-and-set of the claim from 1 to 2, so one request does) from a claimant that died; one that finds
 * nothing in the old store (another process moved it and destroyed it there since this request's miss) reads
 * the new store again. Reads are strong. So parallel first requests on any number of processes end with one
 * record that all of them read, and while the claim lives a session that is logged out or expires in the new
 * store is never moved back from the old one, even when the old record is kept. One edge remains: a claimant
 * that stalls past `retry.timeoutMs` and only then writes the record recreates it if the session was logged
 * out in between.
 *
 * @module
 */
import type { Clock, ReadOptions, ResolvedRetryOptions, SessionStore, StoredSession } from '@sessionkit/core';
import { backoffDelay, hashSessionId, sleep } from '@sessionkit/core';
import { encodeSession, sessionExpiry } from './express-session-record.js';
import type { LegacyStore } from './legacy-store.js';
import { LegacySessions } from './legacy-store.js';

const STRONG: ReadOptions = Object.freeze({ consistency: 'strong' });
const NO_DATA = new Uint8Array(0);
/** Claim versions: the move is under way, the move is done. */
const CLAIMED = 1;
const MOVED = 2;

/** Settings of {@link LegacyReadThrough}. */
export interface ReadThroughSettings {
  /** The SessionKit store the sessions move to. */
  store: SessionStore;
  /** The old express-session store. */
  legacy: LegacyStore;
  /** Whether a moved session is deleted from the old store (else it is left to expire there). */
  destroy: boolean;
  /** Deadline of each call to the old store, in ms. */
  timeoutMs: number;
  /** Lifetime of a moved session whose cookie has no expiry (and of its claim), in ms. */
  ttl: number;
  /** How long a request that lost the claim waits for the move to be done. */
  retry: ResolvedRetryOptions;
  /** Time source. */
  clock: Clock;
  /** Hears of the old store's `destroy` failing after a move (the move stands; the old record expires there). */
  onError: (error: Error) => void;
}

/** Moves sessions from the old store into the SessionKit store on first read. */
export class LegacyReadThrough {
  readonly #settings: ReadThroughSettings;
  readonly #legacy: LegacySessions;

  /** Reads the old store through {@link LegacySessions} (deadline, typed `legacy` errors, `cookie.expires`). */
  constructor(settings: ReadThroughSettings) {
    this.#settings = settings;
    this.#legacy = new LegacySessions(settings.legacy, settings.timeoutMs, settings.clock);
  }

  /**
   * The record under `key` (the hash of `sid`) after a miss there: the old store's live session, moved now,
   * or whatever another request moved (or `null`: none anywhere, or expired by its `cookie.expires`).
   */
  async read(sid: string, key: string): Promise<StoredSession | null> {
    const { store, ttl, clock } = this.#settings;
    const old = await this.#legacy.get(sid);
    if (old === null) return store.get(key, STRONG);
    const expiresAt = sessionExpiry(old, clock.now(), ttl);
    const claimKey = hashSessionId(`legacy-claim ${sid}`);
    const record: StoredSession = { data: encodeSession(old), version: 1, expiresAt };
    if (!(await store.create(claimKey, { data: NO_DATA, version: CLAIMED, expiresAt })))
      return this.#moved(sid, key, claimKey, record);
    const created = await store.create(key, record);
    await store.update(claimKey, { data: NO_DATA, version: MOVED, expiresAt }, CLAIMED);
    return this.#finish(sid, key, record, created);
  }

  /** After this request wrote the claim's move: the old record deleted (by default), the record returned. */
  async #finish(sid: string, key: string, record: StoredSession, created: boolean): Promise<StoredSession | null> {
    // Not created: the app `set` this sid before reading it; its record wins.
    if (!created) return this.#settings.store.get(key, STRONG);
    if (this.#settings.destroy)
      await this.destroy(sid).catch((error: unknown) => this.#settings.onError(error as Error));
    return record;
  }

  /**
   * The record of a session whose move another request claimed: once it is there, or once the move is done
   * (`null` then means it was logged out since). Past `retry.timeoutMs` the claimant is taken for dead and
   * this request moves `record` itself, if it wins the claim's compare-and-set.
   */
  async #moved(sid: string, key: string, claimKey: string, record: StoredSession): Promise<StoredSession | null> {
    const { store, retry } = this.#settings;
    const deadline = performance.now() + retry.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      // The claim first: if it says done, the record read after it is final.
      const claim = await store.get(claimKey, STRONG);
      const current = await store.get(key, STRONG);
      if (current !== null || claim === null || claim.version >= MOVED) return current;
      const remaining = deadline - performance.now();
      if (
        remaining <= 0 &&
        (await store.update(claimKey, { data: NO_DATA, version: MOVED, expiresAt: claim.expiresAt }, CLAIMED))
      ) {
        return this.#finish(sid, key, record, await store.create(key, record));
      }
      await sleep(Math.min(Math.max(remaining, 0), backoffDelay(attempt, retry)));
    }
  }

  /** Deletes `sid`'s session from the old store. */
  destroy(sid: string): Promise<void> {
    return this.#legacy.destroy(sid);
  }
}

/**
 * The per-user index: a `HASH` index on the `userId` field of the session records themselves, so it is
 * written atomically with each session (nothing to maintain on create, update or delete), expires with it and
 * can never disagree with the sessions, whatever logins and logouts race. `listByUser` and `deleteByUser` are a
 * query on it: each member looks up only that user's entries, O(sessions of the user).
 *
 * @module
 */
import { type Clock, isLive, mapLimit, type UserSessionEntry } from '@sessionkit/core';
import { type IMap, Predicates } from 'hazelcast-client';
import type { LastValueCache } from './last-value-cache.js';
import { type DecodedRecord, decodeRecord, FIELD } from './record.js';

/** Name of the hash index on `userId` the store adds to the map. */
export const USER_INDEX_NAME = 'sessionkit_userId';

/** At most this many removals of one user's sessions run at once. */
const USER_FAN_OUT = 32;

/** What the index needs from its store. */
export interface UserIndexContext {
  /** Whether the store adds the index to the map (else the application manages it). */
  createIndex: boolean;
  /** The store's key prefix: the map may be shared by stores with other prefixes. */
  keyPrefix: string;
  /** The store's clock. */
  clock: Clock;
  /** The store's cache of last known values, which removals keep in step. */
  cache: LastValueCache | undefined;
}

/** Queries and maintains the `userId` index of one store. */
export class UserIndex {
  readonly #context: UserIndexContext;
  #ready: Promise<void> | undefined;

  /** @param context the store's settings the index depends on. */
  constructor(context: UserIndexContext) {
    this.#context = context;
  }

  /**
   * Makes sure the index exists on `map`. `addIndex` is idempotent; it runs again after {@link forget}, which
   * the store calls whenever members joined or its client was replaced: a cluster that restarted from scratch
   * forgot every index, and a map without it would answer user queries by scanning every entry.
   */
  ensure(map: IMap<string, unknown>): Promise<void> {
    if (!this.#context.createIndex) return Promise.resolve();
    if (this.#ready === undefined) {
      const attempt = map.addIndex({ name: USER_INDEX_NAME, type: 'HASH', attributes: [FIELD.userId] });
      this.#ready = attempt;
      // A failed attempt is retried by the next caller; the current caller sees the error.
      attempt.catch(() => {
        if (this.#ready === attempt) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  /** Forgets that the index was added, so that the next query adds it again. */
  forget(): void {
    this.#ready = undefined;
  }

  /** The live sessions of `userId` under the store's prefix, as `listByUser` returns them. */
  async list(map: IMap<string, unknown>, userId: string): Promise<UserSessionEntry[]> {
    const prefixLength = this.#context.keyPrefix.length;
    const live = await this.#query(map, userId);
    return live.map(([k, record]) => ({ key: k.slice(prefixLength), expiresAt: record.expiresAt }));
  }

  /** Removes every live session of `userId` under the store's prefix; resolves how many were live. */
  async deleteAll(map: IMap<string, unknown>, userId: string): Promise<number> {
    const { cache, clock } = this.#context;
    const live = await this.#query(map, userId);
    const removed = await mapLimit(live, USER_FAN_OUT, async ([k]) => {
      // Unconditional: "log out everywhere" must also kill a session updated since the query.
      const previous = decodeRecord(await map.remove(k));
      cache?.delete(k);
      return previous !== undefined && isLive(previous.expiresAt, clock.now());
    });
    return removed.filter(Boolean).length;
  }

  /**
   * The live entries of `userId` under the store's prefix. The member-side `expiresAt` predicate drops the
   * expired-but-unpurged ones; the result is filtered again here by owner, prefix and clock.
   */
  async #query(map: IMap<string, unknown>, userId: string): Promise<[string, DecodedRecord][]> {
    const { keyPrefix, clock } = this.#context;
    await this.ensure(map);
    const predicate = Predicates.and(
      Predicates.equal(FIELD.userId, userId),
      Predicates.greaterThan(FIELD.expiresAt, clock.now()),
    );
    const entries = await map.entrySetWithPredicate(predicate);
    const now = clock.now();
    const live: [string, DecodedRecord][] = [];
    for (const [k, value] of entries) {
      if (!k.startsWith(keyPrefix)) continue;
      const record = decodeRecord(value);
      if (record !== undefined && record.userId === userId && isLive(record.expiresAt, now)) live.push([k, record]);
    }
    return live;
  }
}

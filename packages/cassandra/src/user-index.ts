/**
 * The per-user index: table `sessions_by_user`, partition `(prefix, user_id)` (`prefix` holds the store's
 * `keyPrefix`), one clustering row per session key. `listByUser`/`deleteByUser` read one partition: O(sessions
 * of that user), then one session row each.
 *
 * The index lives in another partition than the session row, so it cannot be written atomically with the
 * session's lightweight transaction (a logged batch cannot contain an LWT on another partition). Correctness
 * comes from ordering and from filtering instead:
 *
 * 1. **Entry before row.** `create`, `update` and `touch` write the index entry *before* their LWT, with
 *    `USING TTL` = the session's TTL. If the LWT then fails (lost a race, mismatch, error, crash) the entry
 *    merely dangles; a live session never lacks its entry.
 * 2. **Row before entry on delete.** `delete`/`deleteByUser` remove the session row first (LWT) and the
 *    entry after it, only when their own delete was applied. A crash in between leaves a dangling entry, never
 *    a listed-but-deleted session: listing reads every session row and drops entries whose row is missing,
 *    expired or owned by someone else.
 * 3. **Longest deadline wins, whatever the order.** Two writes of one session (e.g. a touch racing an update)
 *    both write the entry and then their LWT; their entry writes may land in the opposite order of their
 *    LWTs. Each entry write therefore carries `USING TIMESTAMP expiresAt × 1000` (microseconds): Cassandra
 *    keeps the cell with the highest timestamp, i.e. the latest deadline, so the entry never expires before
 *    the session whichever write lands last. Entry deletes use the timestamp of the entry they saw (or of
 *    the deadline of the row they deleted), so they remove that entry and older ones, never an entry written
 *    for a later deadline by a concurrent write.
 *
 * What can dangle (always filtered, and gone by TTL at the latest): the entry of a write whose LWT failed;
 * the entry of a session deleted while a concurrent touch/update wrote a later deadline; the entry of a
 * session whose `delete` crashed between the row delete and the entry delete; and, after a session's
 * deadline was moved *earlier* by update/touch, its entry lingers until the earlier-written, later deadline.
 * Not cleaned by `listByUser`: a missing row may be a login whose LWT is still in flight, and deleting its
 * entry could hide it once it lands.
 *
 * Because index timestamps are deadlines, a key that is deleted and then re-created for the *same* user with
 * an *earlier* deadline than the deleted one would be hidden by the old tombstone. SessionKit never re-uses a
 * session key (a new 256-bit random ID is minted after a destroy), so this cannot happen through
 * `SessionManager`.
 *
 * @module
 */

import type { UserSessionEntry } from '@sessionkit/core';
import { isLive, mapLimit } from '@sessionkit/core';
import { casExhausted } from './errors.js';
import type { Operation } from './operation.js';
import type { ResolvedOptions } from './options.js';
import { decodeRecord, encodeBigint, isLiveRow, toNumber } from './record.js';
import type { Statements } from './statements.js';
import { usingTtl } from './ttl.js';

/** Fan-out limit of `listByUser`/`deleteByUser` (requests in flight per call). */
const USER_FAN_OUT = 32;

/** One entry read from the index partition. */
interface IndexEntry {
  /** The session key, without prefix. */
  key: string;
  /** The entry's write timestamp in microseconds (its deadline in µs). */
  writtenMicros: number;
}

/** What the index needs from its store. */
export interface UserIndexDeps {
  /** The store's resolved options (key prefix, consistency levels, clock, `maxCasAttempts`, TTL padding). */
  options: ResolvedOptions;
  /** The store's CQL statements. */
  statements: Statements;
  /** The session row's partition key of a store key (`keyPrefix + key`). */
  backendKey(key: string): string;
  /** Runs `body` in the store's per-key write queue for `key` (see `serializeWritesPerKey`). */
  serialize<T>(key: string, body: () => Promise<T>): Promise<T>;
}

/** Index maintenance for the store's writes, and the per-user operations. */
export class UserIndex {
  readonly #deps: UserIndexDeps;
  readonly #options: ResolvedOptions;
  readonly #statements: Statements;

  constructor(deps: UserIndexDeps) {
    this.#deps = deps;
    this.#options = deps.options;
    this.#statements = deps.statements;
  }

  /**
   * Writes (or extends) the entry of `key` for a deadline of `expiresAt`, before the session LWT. The write is
   * idempotent (same values, same client timestamp), so the driver may retry it safely. Nothing is written
   * with the index disabled, or for a deadline already past (the row is hidden at once; the entry's
   * timestamp would lose anyway).
   */
  async put(op: Operation, userId: string, key: string, expiresAt: number, now: number): Promise<void> {
    if (!this.#options.userIndex || !isLive(expiresAt, now)) return;
    const ttl = usingTtl(expiresAt, now, this.#options.ttlPaddingSeconds);
    await op.execute(
      this.#statements.indexPut,
      [this.#options.keyPrefix, userId, key, encodeBigint(expiresAt), ttl, encodeBigint(expiresAt * 1000)],
      { consistency: this.#options.consistency.write, idempotent: true },
    );
  }

  /**
   * Deletes the entry of `key` written at or before `timestampMicros`, once the session row is gone (nothing
   * with the index disabled).
   */
  async remove(op: Operation, userId: string, key: string, timestampMicros: number): Promise<void> {
    if (!this.#options.userIndex) return;
    await op.execute(
      this.#statements.indexDelete,
      [encodeBigint(timestampMicros), this.#options.keyPrefix, userId, key],
      { consistency: this.#options.consistency.write, idempotent: true },
    );
  }

  /**
   * The user's live sessions: the index partition, then each session row at the strong read level. Dangling
   * entries are dropped here (no row, expired, or another owner), not deleted: a missing row may be a login
   * whose LWT has not landed yet.
   */
  async listByUser(op: Operation, userId: string): Promise<UserSessionEntry[]> {
    const entries = await this.#entries(op, userId);
    const strongRead = this.#options.consistency.strongRead;
    const rows = await mapLimit(entries, USER_FAN_OUT, async (entry) =>
      decodeRecord(await op.readRow(this.#deps.backendKey(entry.key), strongRead)),
    );
    const now = this.#options.clock.now();
    const result: UserSessionEntry[] = [];
    entries.forEach((entry, i) => {
      const row = rows[i];
      if (row && row.userId === userId && isLive(row.expiresAt, now)) {
        result.push({ key: entry.key, expiresAt: row.expiresAt });
      }
    });
    return result;
  }

  /** Deletes every live session of the user the index lists; returns how many this call deleted. */
  async deleteByUser(op: Operation, userId: string): Promise<number> {
    const entries = await this.#entries(op, userId);
    const deleted = await mapLimit(entries, USER_FAN_OUT, (entry) =>
      this.#deps.serialize(entry.key, () => this.#deleteOne(op, userId, entry)),
    );
    return deleted.reduce<number>((a, b) => a + b, 0);
  }

  /** Deletes one listed session if it is live and still the user's (1), else leaves it and its entry (0). */
  async #deleteOne(op: Operation, userId: string, entry: IndexEntry): Promise<number> {
    const k = this.#deps.backendKey(entry.key);
    const { clock, maxCasAttempts } = this.#options;
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      // Conditional on the owner too: an entry never deletes another user's session.
      const outcome = await op.lwt({
        cql: this.#statements.deleteIfLive,
        params: [k, encodeBigint(clock.now()), userId],
        key: k,
        appliedIf: (current) => current === null,
      });
      if (outcome.applied) {
        await this.remove(op, userId, entry.key, entry.writtenMicros);
        return 1;
      }
      const current = outcome.current;
      // No row: a login whose LWT has not landed yet (or a dangling entry) -- leave its entry alone.
      if (!isLiveRow(current, clock.now())) return 0;
      if (current?.get('user_id') !== userId) return 0;
      // Live and ours: an ambiguous failure resolved as "not applied". Retry.
    }
    throw casExhausted(this.#options.name, 'deleteByUser', maxCasAttempts);
  }

  /** Reads the user's entries (one partition; the driver pages at 5000 rows, and every page is fetched). */
  async #entries(op: Operation, userId: string): Promise<IndexEntry[]> {
    const params = [this.#options.keyPrefix, userId];
    const consistency = this.#options.consistency.strongRead;
    const entries: IndexEntry[] = [];
    let pageState: string | undefined;
    do {
      const page = await op.execute(this.#statements.indexList, params, { consistency, idempotent: true, pageState });
      for (const row of page.rows) {
        entries.push({ key: String(row.get('session_key')), writtenMicros: toNumber(row.get('written')) });
      }
      pageState = page.pageState ?? undefined;
    } while (pageState);
    return entries;
  }
}

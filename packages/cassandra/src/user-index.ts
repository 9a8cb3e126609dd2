/**
 * The per-user index: table `sessions_by_user`, partition `(prefix, user_id)`, one clustering row per session
 * key. `listByUser`/`deleteByUser` read one partition: O(sessions of that user).
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
import cassandra from 'cassandra-driver';
import type { Operation } from './operation.js';
import { toNumber } from './operation.js';
import type { ResolvedOptions } from './options.js';
import type { Statements } from './statements.js';
import { ttlSeconds } from './ttl.js';

const { Long } = cassandra.types;

/** One entry read from the index partition. */
export interface IndexEntry {
  /** The session key, without prefix. */
  key: string;
  /** The entry's write timestamp in microseconds (its deadline in µs). */
  writtenMicros: number;
}

/** Index reads and writes for one store. */
export class UserIndex {
  readonly #options: ResolvedOptions;
  readonly #statements: Statements;

  constructor(options: ResolvedOptions, statements: Statements) {
    this.#options = options;
    this.#statements = statements;
  }

  /**
   * Writes (or extends) the entry of `key` for a deadline of `expiresAt`, before the session LWT. The write is
   * idempotent (same values, same client timestamp), so the driver may retry it safely.
   */
  async put(op: Operation, userId: string, key: string, expiresAt: number, now: number): Promise<void> {
    const ttl = ttlSeconds(expiresAt, now, this.#options.ttlPaddingSeconds);
    await op.execute(
      this.#statements.indexPut,
      [this.#options.prefix, userId, key, Long.fromNumber(expiresAt), ttl, Long.fromNumber(expiresAt * 1000)],
      { consistency: this.#options.consistency.write, idempotent: true },
    );
  }

  /** Deletes the entry of `key` written at or before `timestampMicros` (after the session row is gone). */
  async remove(op: Operation, userId: string, key: string, timestampMicros: number): Promise<void> {
    await op.execute(
      this.#statements.indexDelete,
      [Long.fromNumber(timestampMicros), this.#options.prefix, userId, key],
      { consistency: this.#options.consistency.write, idempotent: true },
    );
  }

  /** Reads the user's entries (one partition). */
  async list(op: Operation, userId: string): Promise<IndexEntry[]> {
    const rs = await op.execute(this.#statements.indexList, [this.#options.prefix, userId], {
      consistency: this.#options.consistency.strongRead,
      idempotent: true,
    });
    // Sessions per user are few; the driver pages at 5000 rows, and we fetch every page.
    const entries: IndexEntry[] = rs.rows.map((row) => ({
      key: String(row.get('session_key')),
      writtenMicros: toNumber(row.get('written')),
    }));
    let page = rs;
    while (page.pageState) {
      page = await op.execute(this.#statements.indexList, [this.#options.prefix, userId], {
        consistency: this.#options.consistency.strongRead,
        idempotent: true,
        pageState: page.pageState,
      });
      for (const row of page.rows) {
        entries.push({ key: String(row.get('session_key')), writtenMicros: toNumber(row.get('written')) });
      }
    }
    return entries;
  }
}

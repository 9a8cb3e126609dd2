/**
 * The CQL the store runs, built once per store from its keyspace and table names. All of them are executed
 * as prepared statements (`prepare: true`: the driver prepares each text once per node and caches it, and
 * routes each request to a replica of its partition).
 *
 * Every write to a session row is a lightweight transaction (an `IF` clause): Cassandra forbids nothing, but
 * mixing LWT and plain writes on one row breaks LWT linearizability (a plain write's timestamp can land
 * "between" Paxos rounds), so even deletes are conditional.
 *
 * @module
 */

/** Column list of a full session row read. */
const ROW_COLUMNS = 'data, version, expires_at, user_id, write_id';

/** The CQL texts of one store. */
export interface Statements {
  /** Reads one session row: `[key]`. */
  readonly selectRow: string;
  /** Creates a session if no row exists: `[key, data, version, expiresAt, userId|unset, writeId, ttl]`. */
  readonly insertIfNotExists: string;
  /**
   * Replaces a row that is logically expired but not purged yet (TTL has 1 s granularity, expires_at has
   * 1 ms): `[ttl, data, version, expiresAt, userId|null, writeId, key, seenWriteId, now]`.
   */
  readonly replaceExpired: string;
  /** Compare-and-set on version: `[ttl, data, version, expiresAt, userId|unset, writeId, key, expectedVersion, now, userId|null]`. */
  readonly updateIfVersion: string;
  /** Touch: rewrites the row read before, if unchanged: `[ttl, data, version, expiresAt, userId|unset, writeId, key, seenWriteId, now]`. */
  readonly touchIfUnchanged: string;
  /** Deletes a live row of a given owner: `[key, now, userId|null]`. */
  readonly deleteIfLive: string;
  /** Upserts an index entry: `[prefix, userId, key, expiresAt, ttl, timestampMicros]`. */
  readonly indexPut: string;
  /** Deletes an index entry up to a timestamp: `[timestampMicros, prefix, userId, key]`. */
  readonly indexDelete: string;
  /** Lists a user's index entries: `[prefix, userId]`. */
  readonly indexList: string;
}

/** Builds the statements for `keyspace.table` and `keyspace.userTable` (identifiers validated by the options). */
export function buildStatements(keyspace: string, table: string, userTable: string): Statements {
  const t = `${keyspace}.${table}`;
  const u = `${keyspace}.${userTable}`;
  // Every write sets every column with the same TTL, so the whole row (not just some cells) expires together:
  // an UPDATE ... USING TTL only applies the TTL to the cells it sets, which is why touch rewrites the data
  // it read instead of setting expires_at alone.
  const setAll = 'SET data = ?, version = ?, expires_at = ?, user_id = ?, write_id = ?';
  return {
    selectRow: `SELECT ${ROW_COLUMNS} FROM ${t} WHERE key = ?`,
    insertIfNotExists:
      `INSERT INTO ${t} (key, data, version, expires_at, user_id, write_id) VALUES (?, ?, ?, ?, ?, ?) ` +
      'IF NOT EXISTS USING TTL ?',
    replaceExpired: `UPDATE ${t} USING TTL ? ${setAll} WHERE key = ? IF write_id = ? AND expires_at <= ?`,
    updateIfVersion: `UPDATE ${t} USING TTL ? ${setAll} WHERE key = ? IF version = ? AND expires_at > ? AND user_id = ?`,
    touchIfUnchanged: `UPDATE ${t} USING TTL ? ${setAll} WHERE key = ? IF write_id = ? AND expires_at > ?`,
    deleteIfLive: `DELETE FROM ${t} WHERE key = ? IF expires_at > ? AND user_id = ?`,
    indexPut:
      `INSERT INTO ${u} (prefix, user_id, session_key, expires_at) VALUES (?, ?, ?, ?) ` +
      'USING TTL ? AND TIMESTAMP ?',
    indexDelete: `DELETE FROM ${u} USING TIMESTAMP ? WHERE prefix = ? AND user_id = ? AND session_key = ?`,
    indexList: `SELECT session_key, WRITETIME(expires_at) AS written FROM ${u} WHERE prefix = ? AND user_id = ?`,
  };
}

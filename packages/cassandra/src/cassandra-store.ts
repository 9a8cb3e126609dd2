/**
 * {@link CassandraSessionStore}: sessions in Cassandra, every session-row write a lightweight transaction.
 *
 * @module
 */

import type {
  ReadOptions,
  ScanPage,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import {
  assertPayloadFits,
  assertValidExpiry,
  assertValidKey,
  assertValidRecord,
  assertValidUserId,
  ConfigurationError,
  isLive,
  StoreClosedError,
  scanLimit,
  UnsupportedOperationError,
  WriteLanes,
  withDeadline,
} from '@sessionkit/core';
import type { Client, types as driverTypes } from 'cassandra-driver';
import cassandra from 'cassandra-driver';
import { guardControlConnectionRefresh } from './control-connection-guard.js';
import { casExhausted, toCassandraError } from './errors.js';
import type { LwtOutcome } from './operation.js';
import { Operation } from './operation.js';
import type { CassandraSessionStoreOptions, ResolvedOptions } from './options.js';
import { ownedClientOptions, resolveOptions } from './options.js';
import { decodeRecord, encodeBigint, encodeData, isLiveRow, toNumber, toStoredSession, uuidString } from './record.js';
import type { CassandraScanOptions } from './scan.js';
import { scanCql, scanPage, scanPosition } from './scan.js';
import type { Statements } from './statements.js';
import { buildStatements } from './statements.js';
import { sessionTtl } from './ttl.js';
import { UserIndex } from './user-index.js';

type Row = driverTypes.Row;
const { Uuid, unset } = cassandra.types;

/** Delay before a control-connection refresh that failed outside the driver's own retry is tried again. */
const CONTROL_REFRESH_RETRY_MS = 500;

/**
 * A {@link SessionStore} on Apache Cassandra (cassandra-driver 4.10).
 *
 * - Schema: see {@link schemaCql} / {@link createSchema} (run once; the store never creates tables itself).
 * - `create`: `INSERT ... IF NOT EXISTS USING TTL`; over a row that is logically expired but not yet purged
 *   (TTL has 1 s granularity, `expires_at` 1 ms), a CAS `UPDATE ... IF write_id = <that row's> AND
 *   expires_at <= now` replaces exactly that expired generation.
 * - `update`: `UPDATE ... IF version = ? AND expires_at > now AND user_id = ?`.
 * - `touch`: reads the row, then rewrites it unchanged with the new deadline `IF write_id = <read> AND
 *   expires_at > now` (a TTL applies per cell, so every cell must be rewritten), retrying if it changed.
 * - `delete`: `DELETE ... IF expires_at > now AND user_id = ?`.
 * - Reads filter on `expires_at`, so a record is never returned after its deadline.
 * - A CAS write timeout is resolved by a SERIAL read (each write carries a fresh `write_id` token).
 * - Consistency: `'eventual'` = LOCAL_ONE, `'strong'` = LOCAL_QUORUM, LWT serial = LOCAL_SERIAL (configurable).
 */
export class CassandraSessionStore implements SessionStore {
  /** The store's name, its tag on errors. */
  readonly name: string;
  /** What this store supports: 1 s TTL granularity, strong reads, the per-user index if enabled. */
  readonly capabilities: StoreCapabilities;
  /** The driver client (owned by the store unless it was passed in as `client`). */
  readonly client: Client;
  /** Keyspace and table names in use. */
  readonly tables: { readonly keyspace: string; readonly table: string; readonly userTable: string };
  readonly #options: ResolvedOptions;
  readonly #keyPrefix: string;
  readonly #statements: Statements;
  readonly #index: UserIndex;
  readonly #ownsClient: boolean;
  /** The range read of {@link scan}. */
  readonly #scanCql: string;
  /** Per-key queues of this store's writes (see `serializeWritesPerKey`); only their exclusive jobs are used. */
  readonly #lanes = new WriteLanes<never>(async () => undefined);
  #closed = false;

  /** @throws {ConfigurationError} on invalid options. */
  constructor(options: CassandraSessionStoreOptions) {
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.name = o.name;
    this.#keyPrefix = o.keyPrefix;
    this.tables = { keyspace: o.keyspace, table: o.table, userTable: o.userTable };
    this.#ownsClient = options.client === undefined;
    this.client = options.client ?? new cassandra.Client(ownedClientOptions(options, o));
    // A client passed in is the application's to manage; the store's own gets the refresh guard.
    if (this.#ownsClient) guardControlConnectionRefresh(this.client, CONTROL_REFRESH_RETRY_MS);
    this.#statements = buildStatements(o.keyspace, o.table, o.userTable);
    this.#index = new UserIndex({
      options: o,
      statements: this.#statements,
      backendKey: (key) => this.#backendKey(key),
      serialize: (key, body) => this.#serialize(key, body),
    });
    this.capabilities = {
      userIndex: o.userIndex,
      ttlGranularityMs: 1000,
      maxPayloadBytes: o.maxPayloadBytes,
      // With a replication factor above 1, LOCAL_QUORUM reads observe every acknowledged write, LOCAL_ONE may not.
      strongReads: true,
      // Admin enumeration: token-ordered range reads of the sessions table, see scan.ts.
      scan: true,
    };
    this.#scanCql = scanCql(o.keyspace, o.table);
  }

  /**
   * Connects the driver client now instead of on the first call, so a wrong contact point or a cluster that is
   * down shows up at start-up. Idempotent (the driver connects once). Optional: the store also connects on its
   * first call. A refused connection rejects at once with `StoreUnavailableError`, the driver's
   * `NoHostAvailableError` as `cause`.
   */
  async connect(): Promise<void> {
    await this.#run('connect', async () => {
      await this.client.connect();
    });
  }

  /** Reads a live session at LOCAL_ONE (`'eventual'`, the default) or LOCAL_QUORUM (`'strong'`). */
  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    assertValidKey(this.name, 'get', key);
    return this.#run('get', async (op) => {
      const c = this.#options.consistency;
      const level = options?.consistency === 'strong' ? c.strongRead : c.eventualRead;
      const row = decodeRecord(await op.readRow(this.#backendKey(key), level));
      // TTL is whole seconds and rounded up, so the row may outlive expires_at by up to 1 s: filter here.
      if (row === null || !isLive(row.expiresAt, this.#options.clock.now())) return null;
      return toStoredSession(row);
    });
  }

  /** Inserts the session unless a live one has the key (an expired, unpurged row is replaced). */
  async create(key: string, session: StoredSession): Promise<boolean> {
    this.#checkWrite('create', key, session);
    return this.#runWrite('create', key, async (op) => {
      const k = this.#backendKey(key);
      const data = encodeData(session.data);
      const owner = session.userId ?? null;
      const token = Uuid.random();
      const appliedIf = (row: Row | null) => uuidString(row?.get('write_id')) === token.toString();
      const start = this.#options.clock.now();
      this.#ttl('create', session.expiresAt, start);
      // Index entry first: a live session must never lack its entry (see user-index.ts).
      if (owner !== null) await this.#index.put(op, owner, key, session.expiresAt, start);

      // `current` is what we know of the row: undefined = nothing yet (try the insert).
      let current: Row | null | undefined;
      for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
        const now = this.#options.clock.now();
        const ttl = this.#ttl('create', session.expiresAt, now);
        let outcome: LwtOutcome;
        if (current === undefined || current === null) {
          outcome = await op.lwt({
            cql: this.#statements.insertIfNotExists,
            params: [
              k,
              data,
              encodeBigint(session.version),
              encodeBigint(session.expiresAt),
              owner ?? unset,
              token,
              ttl,
            ],
            key: k,
            appliedIf,
          });
        } else {
          if (isLiveRow(current, now)) return false;
          // The row is there but past expires_at: its TTL (whole seconds, rounded up) has not run out yet.
          // Replace exactly that expired generation (its write_id), still as an LWT; user_id is set even when
          // null so the previous owner does not carry over.
          outcome = await op.lwt({
            cql: this.#statements.replaceExpired,
            params: [
              ttl,
              data,
              encodeBigint(session.version),
              encodeBigint(session.expiresAt),
              owner,
              token,
              k,
              current.get('write_id'),
              encodeBigint(now),
            ],
            key: k,
            appliedIf,
          });
        }
        if (outcome.applied) return true;
        // Not applied: a live row wins (false); an expired one is replaced; none at all -> insert again.
        current = outcome.current;
      }
      throw casExhausted(this.name, 'create', this.#options.maxCasAttempts);
    });
  }

  /** Compare-and-set on `version`; the owner set at create is kept. */
  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    this.#checkWrite('update', key, session);
    if (!Number.isSafeInteger(expectedVersion)) {
      throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
    }
    return this.#runWrite('update', key, async (op) => {
      const k = this.#backendKey(key);
      const data = encodeData(session.data);
      // The owner is fixed at create. The caller passes the same one; if it does not, the failed condition
      // returns the stored user_id and we retry with it, so the stored owner is kept (and rewritten with the
      // new TTL: every cell must get it, or user_id would expire before the rest of the row).
      let owner = session.userId ?? null;
      this.#ttl('update', session.expiresAt, this.#options.clock.now());
      for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
        const now = this.#options.clock.now();
        const ttl = this.#ttl('update', session.expiresAt, now);
        if (owner !== null) await this.#index.put(op, owner, key, session.expiresAt, now);
        const token = Uuid.random();
        const outcome = await op.lwt({
          cql: this.#statements.updateIfVersion,
          params: [
            ttl,
            data,
            encodeBigint(session.version),
            encodeBigint(session.expiresAt),
            owner ?? unset,
            token,
            k,
            encodeBigint(expectedVersion),
            encodeBigint(now),
            owner,
          ],
          key: k,
          appliedIf: (row) => uuidString(row?.get('write_id')) === token.toString(),
        });
        if (outcome.applied) return true;
        const current = outcome.current;
        if (!isLiveRow(current, this.#options.clock.now())) return false;
        if (toNumber((current as Row).get('version')) !== expectedVersion) return false;
        // Live, at the expected version: either the stored owner differs from the one passed in, or an
        // ambiguous failure was resolved as "not applied". Retry (with the stored owner).
        owner = ((current as Row).get('user_id') as string | null) ?? null;
      }
      throw casExhausted(this.name, 'update', this.#options.maxCasAttempts);
    });
  }

  /** Moves a live session's deadline; false if it is missing or expired (never resurrects). */
  async touch(key: string, expiresAt: number): Promise<boolean> {
    assertValidKey(this.name, 'touch', key);
    assertValidExpiry(this.name, 'touch', expiresAt);
    this.#ttl('touch', expiresAt, this.#options.clock.now());
    return this.#runWrite('touch', key, async (op) => {
      const k = this.#backendKey(key);
      for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
        // A TTL covers only the cells a write sets, so moving the deadline means rewriting every cell: read
        // the row, then write it back unchanged with the new deadline, conditional on the row still being
        // that exact write (write_id) and live. A concurrent update changes write_id and makes us retry, so
        // touch never rolls an update back, and never resurrects a deleted or expired row.
        const row = decodeRecord(await op.readRow(k, this.#options.consistency.strongRead));
        const now = this.#options.clock.now();
        if (row === null || !isLive(row.expiresAt, now)) return false;
        if (row.userId !== null) await this.#index.put(op, row.userId, key, expiresAt, now);
        const token = Uuid.random();
        const outcome = await op.lwt({
          cql: this.#statements.touchIfUnchanged,
          params: [
            this.#ttl('touch', expiresAt, now),
            row.data,
            encodeBigint(row.version),
            encodeBigint(expiresAt),
            row.userId ?? unset,
            token,
            k,
            row.writeId,
            encodeBigint(now),
          ],
          key: k,
          appliedIf: (current) => uuidString(current?.get('write_id')) === token.toString(),
        });
        if (outcome.applied) return true;
        if (!isLiveRow(outcome.current, this.#options.clock.now())) return false;
        // Still live but rewritten meanwhile: read again and retry.
      }
      throw casExhausted(this.name, 'touch', this.#options.maxCasAttempts);
    });
  }

  /** Deletes a live session and then its index entry; false if it is missing or expired. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(this.name, 'delete', key);
    return this.#runWrite('delete', key, async (op) => {
      const k = this.#backendKey(key);
      // Read first: the owner addresses the index entry to remove afterwards.
      const row = decodeRecord(await op.readRow(k, this.#options.consistency.strongRead));
      if (row === null || !isLive(row.expiresAt, this.#options.clock.now())) return false;
      let owner = row.userId;
      for (let attempt = 0; attempt < this.#options.maxCasAttempts; attempt++) {
        const outcome = await op.lwt({
          // `IF EXISTS` would also delete (and count) a row that is past expires_at but not yet purged.
          cql: this.#statements.deleteIfLive,
          params: [k, encodeBigint(this.#options.clock.now()), owner],
          key: k,
          // After an ambiguous failure: the SERIAL read finds no row -> it was deleted (by us, or by a
          // concurrent delete of the same live record; both report true).
          appliedIf: (current) => current === null,
        });
        if (outcome.applied) {
          // Row first, entry after: a failure here leaves a dangling entry, filtered at listing.
          if (owner !== null) await this.#index.remove(op, owner, key, row.expiresAt * 1000);
          return true;
        }
        const current = outcome.current;
        if (!isLiveRow(current, this.#options.clock.now())) return false;
        owner = ((current as Row).get('user_id') as string | null) ?? null;
      }
      throw casExhausted(this.name, 'delete', this.#options.maxCasAttempts);
    });
  }

  /** The user's live sessions (see user-index.ts). */
  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    this.#checkUserIndex('listByUser', userId);
    return this.#run('listByUser', (op) => this.#index.listByUser(op, userId));
  }

  /** Deletes the user's live sessions; returns how many (see user-index.ts). */
  async deleteByUser(userId: string): Promise<number> {
    this.#checkUserIndex('deleteByUser', userId);
    return this.#run('deleteByUser', (op) => this.#index.deleteByUser(op, userId));
  }

  /**
   * Admin enumeration (never the request path): the sessions table in token order, one range read of at most
   * `limit` rows per call (`token(key) >= ?` from the cursor's token and key), this prefix's live rows decoded
   * as `get` decodes them. The cursor is plain data (token and key), valid in another process and across
   * restarts. Reads at `strongRead` (LOCAL_QUORUM) unless `{ consistency: 'eventual' }` (LOCAL_ONE). The user
   * index table is never read. A malformed cursor rejects with `ConfigurationError`.
   */
  async scan(options: CassandraScanOptions = {}): Promise<ScanPage> {
    const limit = scanLimit(this.name, options.limit);
    const position = scanPosition(this.name, options.cursor);
    const c = this.#options.consistency;
    return this.#run('scan', (op) =>
      scanPage(op, {
        store: this.name,
        cql: this.#scanCql,
        prefix: this.#keyPrefix,
        position,
        limit,
        consistency: options.consistency === 'eventual' ? c.eventualRead : c.strongRead,
        now: () => this.#options.clock.now(),
      }),
    );
  }

  /** Stops the store. Shuts the driver client down only if the store created it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) {
      try {
        await this.client.shutdown();
      } catch (error) {
        throw toCassandraError(this.name, 'close', error, this.#options.operationTimeoutMs);
      }
    }
  }

  /** The session row's partition key: `keyPrefix` + the (already hashed) key. */
  #backendKey(key: string): string {
    return this.#keyPrefix + key;
  }

  /** Runs one store call with its deadline; every error comes out typed and tagged. */
  async #run<T>(operation: string, body: (op: Operation) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
    const o = this.#options;
    return withDeadline(
      this.name,
      operation,
      o.operationTimeoutMs,
      () => body(new Operation(this.client, o, this.#statements.selectRow, operation)),
      (error) => toCassandraError(this.name, operation, error, o.operationTimeoutMs),
    );
  }

  /** Like {@link #run} for a write to one key: queued behind earlier writes to that key from this store. */
  async #runWrite<T>(operation: string, key: string, body: (op: Operation) => Promise<T>): Promise<T> {
    // The wait counts against the call's deadline: Operation.execute refuses to start a request after it,
    // so a call that timed out while queued never writes later behind its caller's back.
    return this.#run(operation, (op) => this.#serialize(key, () => body(op)));
  }

  /**
   * Runs `body` after this store's earlier writes to `key` (with `serializeWritesPerKey`, the default). Concurrent
   * Paxos rounds on one partition pre-empt each other, so writes from one process go one after the other.
   */
  #serialize<T>(key: string, body: () => Promise<T>): Promise<T> {
    return this.#options.serializeWritesPerKey ? this.#lanes.exclusive(key, body) : body();
  }

  /** The `USING TTL` of a session-row write (see ttl.ts). */
  #ttl(operation: string, expiresAt: number, now: number): number {
    return sessionTtl(this.name, operation, expiresAt, now, this.#options.ttlPaddingSeconds);
  }

  #checkWrite(operation: string, key: string, session: StoredSession): void {
    assertValidRecord(this.name, operation, key, session);
    assertPayloadFits(this.name, operation, session.data, this.#options.maxPayloadBytes);
  }

  #checkUserIndex(operation: string, userId: string): void {
    if (!this.#options.userIndex) {
      throw new UnsupportedOperationError('the per-user index is disabled (userIndex: false)', {
        store: this.name,
        operation,
      });
    }
    assertValidUserId(this.name, operation, userId);
  }
}

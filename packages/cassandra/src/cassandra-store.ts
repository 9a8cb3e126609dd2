/**
 * {@link CassandraSessionStore}: sessions in Cassandra, every session-row write a lightweight transaction.
 *
 * @module
 */
import cassandra from 'cassandra-driver';
import type { Client, types as driverTypes } from 'cassandra-driver';
import {
  ConfigurationError,
  ConflictError,
  StoreClosedError,
  UnsupportedOperationError,
  assertPayloadFits,
  assertValidKey,
  assertValidRecord,
  isLive,
  withDeadline,
} from '@sessionkit/core';
import type { ReadOptions, SessionStore, StoreCapabilities, StoredSession, UserSessionEntry } from '@sessionkit/core';
import { mapDriverError } from './errors.js';
import { Operation, toNumber, uuidString } from './operation.js';
import type { LwtOutcome } from './operation.js';
import { ownedClientOptions, resolveOptions } from './options.js';
import type { CassandraSessionStoreOptions, ResolvedOptions } from './options.js';
import { buildStatements } from './statements.js';
import type { Statements } from './statements.js';
import { MAX_TTL_SECONDS, ttlSeconds } from './ttl.js';
import { UserIndex } from './user-index.js';
import type { IndexEntry } from './user-index.js';

type Row = driverTypes.Row;
const { Long, Uuid, unset } = cassandra.types;


/** Fan-out limit of `listByUser`/`deleteByUser` (requests in flight per call). */
const USER_FAN_OUT = 32;

/** The fields of a session row, decoded. */
interface SessionRow {
  data: Buffer;
  version: number;
  expiresAt: number;
  userId: string | null;
  writeId: string | null;
}

function decodeRow(row: Row | null): SessionRow | null {
  if (row === null) return null;
  const data = row.get('data') as Buffer | null;
  const version = toNumber(row.get('version'));
  const expiresAt = toNumber(row.get('expires_at'));
  // Every write sets every column with one TTL, so a row lacking one of them is not one of ours (or was
  // damaged by hand): treat it as missing rather than return half a session.
  if (!Buffer.isBuffer(data) || !Number.isFinite(version) || !Number.isFinite(expiresAt)) return null;
  const userId = row.get('user_id') as string | null;
  return { data, version, expiresAt, userId: userId ?? null, writeId: uuidString(row.get('write_id')) };
}

/** Live-check on a partial row a failed LWT returned (condition columns only). */
function liveExpiresAt(row: Row | null, now: number): boolean {
  if (row === null) return false;
  const expiresAt = toNumber(row.get('expires_at'));
  return Number.isFinite(expiresAt) && isLive(expiresAt, now);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  // allSettled so that every request has ended before the call rejects; the first error is rethrown.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return results;
}

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
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The driver client (owned by the store unless it was passed in). */
  readonly client: Client;
  /** The key prefix. */
  readonly prefix: string;
  /** Keyspace and table names in use. */
  readonly tables: { readonly keyspace: string; readonly table: string; readonly userTable: string };
  readonly #options: ResolvedOptions;
  readonly #statements: Statements;
  readonly #index: UserIndex;
  readonly #ownsClient: boolean;
  #closed = false;
  /** Per-key queues of in-flight writes (see `serializeWritesPerKey`). */
  readonly #lanes = new Map<string, Promise<void>>();

  /** @throws {ConfigurationError} on invalid options. */
  constructor(options: CassandraSessionStoreOptions) {
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.name = o.name;
    this.prefix = o.prefix;
    this.tables = { keyspace: o.keyspace, table: o.table, userTable: o.userTable };
    this.#ownsClient = options.client === undefined;
    this.client = options.client ?? new cassandra.Client(ownedClientOptions(options, o));
    this.#statements = buildStatements(o.keyspace, o.table, o.userTable);
    this.#index = new UserIndex(o, this.#statements);
    this.capabilities = {
      userIndex: o.userIndex,
      ttlGranularityMs: 1000,
      maxPayloadBytes: o.maxPayloadBytes,
      // With a replication factor above 1, LOCAL_QUORUM reads observe every acknowledged write, LOCAL_ONE may not.
      strongReads: true,
    };
  }

  /**
   * Connects now instead of on the first call, so a wrong contact point or a cluster that is down shows up
   * at start-up. Optional.
   */
  async connect(): Promise<void> {
    await this.#run('connect', async () => {
      await this.client.connect();
    });
  }

  async get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    return this.#run('get', async (op) => {
      assertValidKey(this.name, 'get', key);
      const c = this.#options.consistency;
      const level = options?.consistency === 'strong' ? c.strongRead : c.eventualRead;
      const row = decodeRow(await op.readRow(this.prefix + key, level));
      // TTL is whole seconds and rounded up, so the row may outlive expires_at by up to 1 s: filter here.
      if (row === null || !isLive(row.expiresAt, this.#options.clock.now())) return null;
      const session: StoredSession = { data: new Uint8Array(row.data), version: row.version, expiresAt: row.expiresAt };
      if (row.userId !== null) session.userId = row.userId;
      return session;
    });
  }

  async create(key: string, session: StoredSession): Promise<boolean> {
    return this.#runWrite('create', key, async (op) => {
      this.#checkWrite('create', key, session);
      const k = this.prefix + key;
      const data = asBuffer(session.data);
      const owner = session.userId ?? null;
      const token = Uuid.random();
      const appliedIf = (row: Row | null) => uuidString(row?.get('write_id')) === token.toString();
      const start = this.#options.clock.now();
      this.#ttl('create', session.expiresAt, start);
      // Index entry first: a live session must never lack its entry (see user-index.ts).
      if (owner !== null) await this.#indexPut(op, owner, key, session.expiresAt, start);

      // `current` is what we know of the row: undefined = nothing yet (try the insert).
      let current: Row | null | undefined;
      for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
        const now = this.#options.clock.now();
        const ttl = this.#ttl('create', session.expiresAt, now);
        let outcome: LwtOutcome;
        if (current === undefined || current === null) {
          outcome = await op.lwt({
            cql: this.#statements.insertIfNotExists,
            params: [k, data, Long.fromNumber(session.version), Long.fromNumber(session.expiresAt), owner ?? unset, token, ttl],
            key: k,
            appliedIf,
          });
        } else {
          if (liveExpiresAt(current, now)) return false;
          // The row is there but past expires_at: its TTL (whole seconds, rounded up) has not run out yet.
          // Replace exactly that expired generation (its write_id), still as an LWT; user_id is set even when
          // null so the previous owner does not carry over.
          outcome = await op.lwt({
            cql: this.#statements.replaceExpired,
            params: [
              ttl, data, Long.fromNumber(session.version), Long.fromNumber(session.expiresAt), owner, token,
              k, current.get('write_id'), Long.fromNumber(now),
            ],
            key: k,
            appliedIf,
          });
        }
        if (outcome.applied) return true;
        // Not applied: a live row wins (false); an expired one is replaced; none at all -> insert again.
        current = outcome.current;
      }
      throw new ConflictError(`create kept racing other writes on the key (${this.#options.maxAttempts} attempts)`, {
        store: this.name,
        operation: 'create',
      });
    });
  }

  async update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    return this.#runWrite('update', key, async (op) => {
      this.#checkWrite('update', key, session);
      if (!Number.isSafeInteger(expectedVersion)) {
        throw new ConfigurationError('expectedVersion must be an integer', { store: this.name, operation: 'update' });
      }
      const k = this.prefix + key;
      const data = asBuffer(session.data);
      // The owner is fixed at create. The caller passes the same one; if it does not, the failed condition
      // returns the stored user_id and we retry with it, so the stored owner is kept (and rewritten with the
      // new TTL: every cell must get it, or user_id would expire before the rest of the row).
      let owner = session.userId ?? null;
      this.#ttl('update', session.expiresAt, this.#options.clock.now());
      for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
        const now = this.#options.clock.now();
        const ttl = this.#ttl('update', session.expiresAt, now);
        if (owner !== null) await this.#indexPut(op, owner, key, session.expiresAt, now);
        const token = Uuid.random();
        const outcome = await op.lwt({
          cql: this.#statements.updateIfVersion,
          params: [
            ttl, data, Long.fromNumber(session.version), Long.fromNumber(session.expiresAt), owner ?? unset, token,
            k, Long.fromNumber(expectedVersion), Long.fromNumber(now), owner,
          ],
          key: k,
          appliedIf: (row) => uuidString(row?.get('write_id')) === token.toString(),
        });
        if (outcome.applied) return true;
        const current = outcome.current;
        if (!liveExpiresAt(current, this.#options.clock.now())) return false;
        if (toNumber((current as Row).get('version')) !== expectedVersion) return false;
        // Live, at the expected version: either the stored owner differs from the one passed in, or an
        // ambiguous failure was resolved as "not applied". Retry (with the stored owner).
        owner = ((current as Row).get('user_id') as string | null) ?? null;
      }
      throw new ConflictError(`update kept racing other writes on the key (${this.#options.maxAttempts} attempts)`, {
        store: this.name,
        operation: 'update',
      });
    });
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    return this.#runWrite('touch', key, async (op) => {
      assertValidKey(this.name, 'touch', key);
      if (!Number.isFinite(expiresAt)) {
        throw new ConfigurationError('expiresAt must be a finite epoch-millisecond number', {
          store: this.name,
          operation: 'touch',
        });
      }
      this.#ttl('touch', expiresAt, this.#options.clock.now());
      const k = this.prefix + key;
      for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
        // A TTL covers only the cells a write sets, so moving the deadline means rewriting every cell: read
        // the row, then write it back unchanged with the new deadline, conditional on the row still being
        // that exact write (write_id) and live. A concurrent update changes write_id and makes us retry, so
        // touch never rolls an update back, and never resurrects a deleted or expired row.
        const row = decodeRow(await op.readRow(k, this.#options.consistency.strongRead));
        const now = this.#options.clock.now();
        if (row === null || !isLive(row.expiresAt, now)) return false;
        if (row.userId !== null) await this.#indexPut(op, row.userId, key, expiresAt, now);
        const token = Uuid.random();
        const outcome = await op.lwt({
          cql: this.#statements.touchIfUnchanged,
          params: [
            this.#ttl('touch', expiresAt, now), row.data, Long.fromNumber(row.version), Long.fromNumber(expiresAt),
            row.userId ?? unset, token, k, row.writeId, Long.fromNumber(now),
          ],
          key: k,
          appliedIf: (current) => uuidString(current?.get('write_id')) === token.toString(),
        });
        if (outcome.applied) return true;
        if (!liveExpiresAt(outcome.current, this.#options.clock.now())) return false;
        // Still live but rewritten meanwhile: read again and retry.
      }
      throw new ConflictError(`touch kept racing other writes on the key (${this.#options.maxAttempts} attempts)`, {
        store: this.name,
        operation: 'touch',
      });
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.#runWrite('delete', key, async (op) => {
      assertValidKey(this.name, 'delete', key);
      const k = this.prefix + key;
      // Read first: the owner addresses the index entry to remove afterwards.
      const row = decodeRow(await op.readRow(k, this.#options.consistency.strongRead));
      if (row === null || !isLive(row.expiresAt, this.#options.clock.now())) return false;
      let owner = row.userId;
      for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
        const outcome = await op.lwt({
          // `IF EXISTS` would also delete (and count) a row that is past expires_at but not yet purged.
          cql: this.#statements.deleteIfLive,
          params: [k, Long.fromNumber(this.#options.clock.now()), owner],
          key: k,
          // After an ambiguous failure: the SERIAL read finds no row -> it was deleted (by us, or by a
          // concurrent delete of the same live record; both report true).
          appliedIf: (current) => current === null,
        });
        if (outcome.applied) {
          // Row first, entry after: a failure here leaves a dangling entry, filtered at listing.
          if (owner !== null && this.#options.userIndex) {
            await this.#index.remove(op, owner, key, row.expiresAt * 1000);
          }
          return true;
        }
        const current = outcome.current;
        if (!liveExpiresAt(current, this.#options.clock.now())) return false;
        owner = ((current as Row).get('user_id') as string | null) ?? null;
      }
      throw new ConflictError(`delete kept racing other writes on the key (${this.#options.maxAttempts} attempts)`, {
        store: this.name,
        operation: 'delete',
      });
    });
  }

  async listByUser(userId: string): Promise<UserSessionEntry[]> {
    return this.#run('listByUser', async (op) => {
      this.#checkUserIndex('listByUser', userId);
      const entries = await this.#index.list(op, userId);
      const rows = await mapLimit(entries, USER_FAN_OUT, async (entry) =>
        decodeRow(await op.readRow(this.prefix + entry.key, this.#options.consistency.strongRead)),
      );
      const now = this.#options.clock.now();
      const result: UserSessionEntry[] = [];
      entries.forEach((entry, i) => {
        const row = rows[i];
        // Dangling entries (see user-index.ts) are dropped here: no row, expired, or another owner.
        if (row && row.userId === userId && isLive(row.expiresAt, now)) {
          result.push({ key: entry.key, expiresAt: row.expiresAt });
        }
      });
      return result;
    });
  }

  async deleteByUser(userId: string): Promise<number> {
    return this.#run('deleteByUser', async (op) => {
      this.#checkUserIndex('deleteByUser', userId);
      const entries = await this.#index.list(op, userId);
      const deleteOne = async (entry: IndexEntry): Promise<number> => {
        const k = this.prefix + entry.key;
        for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
          // Conditional on the owner too: an entry never deletes another user's session.
          const outcome = await op.lwt({
            cql: this.#statements.deleteIfLive,
            params: [k, Long.fromNumber(this.#options.clock.now()), userId],
            key: k,
            appliedIf: (current) => current === null,
          });
          if (outcome.applied) {
            await this.#index.remove(op, userId, entry.key, entry.writtenMicros);
            return 1;
          }
          const current = outcome.current;
          // No row: a login whose LWT has not landed yet (or a dangling entry) -- leave its entry alone.
          if (!liveExpiresAt(current, this.#options.clock.now())) return 0;
          if ((current as Row).get('user_id') !== userId) return 0;
          // Live and ours: an ambiguous failure resolved as "not applied". Retry.
        }
        throw new ConflictError(`deleteByUser kept racing other writes (${this.#options.maxAttempts} attempts)`, {
          store: this.name,
          operation: 'deleteByUser',
        });
      };
      const deleted = await mapLimit(entries, USER_FAN_OUT, (entry) =>
        this.#options.serializeWritesPerKey ? this.#inLane(entry.key, () => deleteOne(entry)) : deleteOne(entry),
      );
      return deleted.reduce<number>((a, b) => a + b, 0);
    });
  }

  /** Stops the store. Shuts the driver client down only if the store created it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) {
      try {
        await this.client.shutdown();
      } catch (error) {
        throw mapDriverError(this.name, 'close', error, this.#options.operationTimeoutMs);
      }
    }
  }

  /** Runs one store call with its deadline; every error comes out typed and tagged. */
  async #run<T>(operation: string, body: (op: Operation) => Promise<T>): Promise<T> {
    this.#checkOpen(operation);
    const o = this.#options;
    return withDeadline(
      this.name,
      operation,
      o.operationTimeoutMs,
      () => body(new Operation(this.client, o, this.#statements.selectRow, operation)),
      (error) => mapDriverError(this.name, operation, error, o.operationTimeoutMs),
    );
  }

  /** Like {@link #run} for a write to one key: queued behind earlier writes to that key from this store. */
  async #runWrite<T>(operation: string, key: string, body: (op: Operation) => Promise<T>): Promise<T> {
    if (!this.#options.serializeWritesPerKey) return this.#run(operation, body);
    // The wait counts against the call's deadline: Operation.execute refuses to start a request after it,
    // so a call that timed out while queued never writes later behind its caller's back.
    return this.#run(operation, (op) => this.#inLane(String(key), () => body(op)));
  }

  async #inLane<T>(key: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#lanes.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous ? previous.then(() => mine) : mine;
    this.#lanes.set(key, tail);
    try {
      if (previous) await previous;
      return await body();
    } finally {
      release();
      if (this.#lanes.get(key) === tail) this.#lanes.delete(key);
    }
  }

  async #indexPut(op: Operation, userId: string, key: string, expiresAt: number, now: number): Promise<void> {
    // A deadline already past needs no entry (the row is hidden at once); its timestamp would lose anyway.
    if (!this.#options.userIndex || !isLive(expiresAt, now)) return;
    await this.#index.put(op, userId, key, expiresAt, now);
  }

  /** The TTL in seconds (never 0: TTL 0 would mean "no expiry" in Cassandra); see ttl.ts. */
  #ttl(operation: string, expiresAt: number, now: number): number {
    const ttl = ttlSeconds(expiresAt, now, this.#options.ttlPaddingSeconds);
    if (ttl > MAX_TTL_SECONDS) {
      throw new ConfigurationError(`expiresAt is more than Cassandra's maximum TTL (20 years) away`, {
        store: this.name,
        operation,
      });
    }
    return ttl;
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
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new ConfigurationError('userId must be a non-empty string', { store: this.name, operation });
    }
  }

  #checkOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store: this.name, operation });
  }
}

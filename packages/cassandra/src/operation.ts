/**
 * One store call in flight: its deadline, deadline-bounded request execution, and lightweight transactions
 * whose ambiguous failures are resolved by a SERIAL read.
 *
 * @module
 */

import { StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';
import type { Client, types as driverTypes, QueryOptions } from 'cassandra-driver';
import { isAmbiguousLwtError, isCasWriteTimeout, toCassandraError } from './errors.js';
import type { ResolvedOptions } from './options.js';

type Row = driverTypes.Row;
type ResultSet = driverTypes.ResultSet;

/** How one request is executed. */
export interface RequestOptions {
  /** Consistency level (for an LWT: the commit consistency). */
  consistency: number;
  /** Paxos consistency, for LWTs. */
  serialConsistency?: number;
  /** Whether the driver may retry it on another node after a connection error (never for LWTs). */
  idempotent: boolean;
  /** Continues a paged read. */
  pageState?: string;
  /** Rows per page, instead of the client's default. */
  fetchSize?: number;
}

/** The outcome of a lightweight transaction. */
export type LwtOutcome =
  | { applied: true }
  | {
      applied: false;
      /**
       * The row as Cassandra reported it: for a failed `IF` the columns of the condition (all columns for
       * `IF NOT EXISTS`), or the whole row from the SERIAL read that resolved an ambiguous failure; `null`
       * when there is no row.
       */
      current: Row | null;
    };

/** A session-row LWT and how to tell, from the row a SERIAL read returns, whether it was applied. */
export interface LwtRequest {
  /** The conditional statement (an `IF` clause). */
  cql: string;
  /** Its bound values. */
  params: unknown[];
  /** The session row's partition key, for the SERIAL read. */
  key: string;
  /** Decides from the linearizable current row (or `null`) whether this transaction was applied. */
  appliedIf(row: Row | null): boolean;
}

/**
 * The context of one store call. Every request gets the time left before the call's deadline as its
 * driver `readTimeout`, and no request starts after the deadline, so retry loops stop with the call. The
 * deadline is measured on the monotonic `performance.now()`: it bounds waiting, it decides no expiry.
 */
export class Operation {
  readonly #client: Client;
  readonly #options: ResolvedOptions;
  readonly #selectRow: string;
  /** The store operation (`get`, `update`, ...), its tag on errors. */
  readonly #name: string;
  /** The `performance.now()` instant of the call's deadline. */
  readonly #deadlineAt: number;

  constructor(client: Client, options: ResolvedOptions, selectRow: string, name: string) {
    this.#client = client;
    this.#options = options;
    this.#selectRow = selectRow;
    this.#name = name;
    this.#deadlineAt = performance.now() + options.operationTimeoutMs;
  }

  /** Executes one prepared request, bounded by the deadline. */
  async execute(cql: string, params: unknown[], options: RequestOptions): Promise<ResultSet> {
    const left = this.#deadlineAt - performance.now();
    if (left <= 0) {
      throw new StoreTimeoutError(this.#options.operationTimeoutMs, {
        store: this.#options.name,
        operation: this.#name,
      });
    }
    const queryOptions: QueryOptions = {
      prepare: true,
      consistency: options.consistency,
      isIdempotent: options.idempotent,
      readTimeout: left,
    };
    if (options.serialConsistency !== undefined) queryOptions.serialConsistency = options.serialConsistency;
    if (options.pageState !== undefined) queryOptions.pageState = options.pageState;
    if (options.fetchSize !== undefined) queryOptions.fetchSize = options.fetchSize;
    return this.#client.execute(cql, params, queryOptions);
  }

  /** Reads one session row at `consistency`; `null` when there is none. */
  async readRow(key: string, consistency: number): Promise<Row | null> {
    const rs = await this.execute(this.#selectRow, [key], { consistency, idempotent: true });
    return rs.first() ?? null;
  }

  /**
   * Runs a lightweight transaction. A failure that leaves its outcome unknown (a CAS write timeout above
   * all, see {@link isAmbiguousLwtError}) is not guessed: we read the row at SERIAL/LOCAL_SERIAL, which
   * first completes or supersedes any Paxos round still in flight on it (ours included), so what it returns
   * is final, and `request.appliedIf` decides from it (e.g. "the row carries our per-write token").
   */
  async lwt(request: LwtRequest): Promise<LwtOutcome> {
    let rs: ResultSet;
    try {
      rs = await this.execute(request.cql, request.params, {
        consistency: this.#options.consistency.write,
        serialConsistency: this.#options.consistency.serial,
        idempotent: false,
      });
    } catch (error) {
      if (!isAmbiguousLwtError(error)) throw error;
      return this.#resolve(request, error);
    }
    if (rs.wasApplied()) return { applied: true };
    return { applied: false, current: rowOrNull(rs.first()) };
  }

  async #resolve(request: LwtRequest, failure: unknown): Promise<LwtOutcome> {
    let row: Row | null;
    try {
      row = await this.readRow(request.key, this.#options.consistency.serial);
    } catch (error) {
      const what = isCasWriteTimeout(failure) ? 'a CAS write timeout' : 'an ambiguous failure';
      const { name: store, operationTimeoutMs } = this.#options;
      const cause = toCassandraError(store, this.#name, failure, operationTimeoutMs);
      throw new StoreUnavailableError(
        `outcome unknown: the lightweight transaction ended with ${what} (${cause.message}) and the SERIAL read ` +
          `that resolves it failed too (${toCassandraError(store, this.#name, error, operationTimeoutMs).message})`,
        { store: this.#options.name, operation: this.#name, cause: failure },
      );
    }
    if (request.appliedIf(row)) return { applied: true };
    return { applied: false, current: row };
  }
}

/**
 * A failed conditional write returns one row with `[applied] = false` and the current values of the
 * condition columns; when the partition does not exist at all those are null. Normalize "no row" to null.
 */
function rowOrNull(row: Row | undefined): Row | null {
  if (!row) return null;
  const hasValue = row.keys().some((k) => k !== '[applied]' && row.get(k) !== null && row.get(k) !== undefined);
  return hasValue ? row : null;
}

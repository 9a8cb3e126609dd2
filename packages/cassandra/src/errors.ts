/**
 * Maps cassandra-driver errors to SessionKit's typed errors, tells which errors leave the outcome of a
 * lightweight transaction unknown, and names the error of a compare-and-set loop that ran out of attempts.
 *
 * @module
 */

import {
  ConfigurationError,
  ConflictError,
  connectionErrorCode,
  SessionKitError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@sessionkit/core';
import cassandra from 'cassandra-driver';

const { errors, types } = cassandra;
const codes = types.responseErrorCodes;

/** Response codes that mean "this request/schema is wrong", not "the cluster is unwell". */
const CONFIGURATION_CODES = new Set<number>([
  codes.syntaxError,
  codes.invalid,
  codes.configError,
  codes.unauthorized,
  codes.badCredentials,
  codes.alreadyExists,
  codes.protocolError,
]);

interface ResponseErrorLike extends Error {
  code: number;
  writeType?: string;
  consistencies?: number;
}

function isResponseError(error: unknown): error is ResponseErrorLike {
  return error instanceof errors.ResponseError;
}

/**
 * A `NoHostAvailableError` (no contact point could serve the request) as {@link StoreUnavailableError}, its
 * message naming the socket error behind it (e.g. `ECONNREFUSED`) and each host's failure. cassandra-driver's
 * quirk: the error keeps each host's failure in `innerErrors`, an object keyed by host, which core's
 * `connectionErrorCode` does not walk, so each of them is asked in turn; and its own message inlines the first
 * host's error with its stack trace, so the message is rebuilt from `innerErrors`.
 */
function noHostAvailable(
  error: Error,
  tag: { store: string; operation: string; cause: unknown },
): StoreUnavailableError {
  const hosts = Object.entries((error as { innerErrors?: Record<string, unknown> }).innerErrors ?? {});
  const code = hosts.map(([, inner]) => connectionErrorCode(inner)).find((c) => c !== undefined);
  const detail =
    hosts.length === 0
      ? error.message
      : hosts.map(([host, inner]) => `${host}: ${inner instanceof Error ? inner.message : String(inner)}`).join('; ');
  return new StoreUnavailableError(
    `no Cassandra node available${code === undefined ? '' : ` (${code})`}: ${detail}`,
    tag,
  );
}

/**
 * Converts a driver error into a {@link SessionKitError} tagged with the store and operation, the driver error
 * as `cause`:
 * - `NoHostAvailableError` (every node down or unreachable: a refused connection is reported at once, and the
 *   driver fails fast once it marked the nodes down) → {@link StoreUnavailableError}, naming the socket error
 *   (e.g. `ECONNREFUSED`) when there is one;
 * - `OperationTimedOutError` (the driver's per-request `readTimeout`) → {@link StoreTimeoutError};
 * - server-side `Unavailable` (not enough live replicas for the consistency level), read/write timeouts and
 *   failures, `Overloaded`, `IsBootstrapping`, server errors → {@link StoreUnavailableError} (retryable);
 * - syntax/invalid/unauthorized/config errors (e.g. the keyspace or table does not exist: run
 *   `createSchema`) → {@link ConfigurationError};
 * - anything else → {@link StoreUnavailableError}.
 */
export function toCassandraError(store: string, operation: string, error: unknown, timeoutMs: number): SessionKitError {
  if (error instanceof SessionKitError) return error;
  const tag = { store, operation, cause: error };
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.NoHostAvailableError) return noHostAvailable(error, tag);
  if (error instanceof errors.OperationTimedOutError) return new StoreTimeoutError(timeoutMs, tag);
  if (isResponseError(error)) {
    if (CONFIGURATION_CODES.has(error.code)) {
      const hint = error.code === codes.invalid ? ' (does the keyspace/table exist? see createSchema)' : '';
      return new ConfigurationError(`Cassandra rejected the request: ${detail}${hint}`, tag);
    }
    return new StoreUnavailableError(`Cassandra could not serve the request: ${detail}`, tag);
  }
  if (error instanceof errors.ArgumentError) return new ConfigurationError(`invalid argument: ${detail}`, tag);
  return new StoreUnavailableError(`Cassandra call failed: ${detail}`, tag);
}

/**
 * Whether a lightweight transaction that failed with `error` may nevertheless have been applied, so that
 * its outcome must be resolved by a SERIAL read instead of guessed:
 * - a `WriteTimeout` (with `writeType` `CAS` — Paxos did not finish — or `SIMPLE` — the proposal was accepted
 *   and only the commit timed out, so it will be applied by the next Paxos round on the row);
 * - a `ReadTimeout` / `ReadFailure` / `WriteFailure` reported during the Paxos phases;
 * - a client-side `OperationTimedOutError`: the coordinator may have run the transaction anyway.
 * Errors that guarantee nothing was attempted (`Unavailable`, `NoHostAvailable`, syntax...) are not ambiguous.
 */
export function isAmbiguousLwtError(error: unknown): boolean {
  if (error instanceof errors.OperationTimedOutError) return true;
  if (!isResponseError(error)) return false;
  return (
    error.code === codes.writeTimeout ||
    error.code === codes.readTimeout ||
    error.code === codes.writeFailure ||
    error.code === codes.readFailure
  );
}

/** Whether `error` is a CAS write timeout proper (`WriteTimeout` with `writeType` `CAS`). */
export function isCasWriteTimeout(error: unknown): boolean {
  return isResponseError(error) && error.code === codes.writeTimeout && error.writeType === 'CAS';
}

/** The error of a compare-and-set loop that lost `attempts` lightweight-transaction rounds in a row to other writers. */
export function casExhausted(store: string, operation: string, attempts: number): ConflictError {
  return new ConflictError(`the key kept changing during ${attempts} compare-and-set attempts`, { store, operation });
}

/**
 * Maps cassandra-driver errors to SessionKit's typed errors, and tells which errors leave the outcome of a
 * lightweight transaction unknown.
 *
 * @module
 */
import cassandra from 'cassandra-driver';
import {
  ConfigurationError,
  SessionKitError,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@sessionkit/core';

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
 * Converts a driver error into a {@link SessionKitError} tagged with the store and operation:
 * - `NoHostAvailableError` (every node down or unreachable; the driver fails fast once it marked them down)
 *   → {@link StoreUnavailableError};
 * - `OperationTimedOutError` (the driver's per-request `readTimeout`) → {@link StoreTimeoutError};
 * - server-side `Unavailable` (not enough live replicas for the consistency level), read/write timeouts and
 *   failures, `Overloaded`, `IsBootstrapping`, server errors → {@link StoreUnavailableError} (retryable);
 * - syntax/invalid/unauthorized/config errors (e.g. the keyspace or table does not exist: run
 *   `createSchema`) → {@link ConfigurationError};
 * - anything else → {@link StoreUnavailableError}.
 */
export function mapDriverError(store: string, operation: string, error: unknown, timeoutMs: number): SessionKitError {
  if (error instanceof SessionKitError) return error;
  const tag = { store, operation, cause: error };
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.NoHostAvailableError) {
    return new StoreUnavailableError(`no Cassandra node available: ${detail}`, tag);
  }
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

/**
 * How one store call ended, as the `sessionkit.outcome` attribute reports it.
 *
 * @module
 */
import { ConflictError, StoreClosedError, StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';

/**
 * The outcome of a store call:
 * - `ok`: it did what was asked;
 * - `miss`: a `get` found nothing, or a `touch`/`delete` found no live record;
 * - `conflict`: a conditional write lost (`create` on an existing key, `update` on another version or a missing
 *   record), or the store threw a {@link ConflictError};
 * - `timeout`: {@link StoreTimeoutError} (checked before its base class);
 * - `unavailable`: {@link StoreUnavailableError} or {@link StoreClosedError};
 * - `error`: anything else (an unsupported operation, a too-large payload, a bug).
 */
export type StoreOutcome = 'ok' | 'miss' | 'conflict' | 'timeout' | 'unavailable' | 'error';

/** The outcome of a store call that threw `error`. */
export function failureOutcome(error: unknown): StoreOutcome {
  if (error instanceof StoreTimeoutError) return 'timeout';
  if (error instanceof StoreUnavailableError || error instanceof StoreClosedError) return 'unavailable';
  if (error instanceof ConflictError) return 'conflict';
  return 'error';
}

/** The `error.type` of a failed call: the SessionKit error code, else the error's class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return (error as { code?: unknown }).code?.toString() ?? error.name;
  return typeof error;
}

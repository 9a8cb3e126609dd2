/**
 * Typed errors. Every error a store or the manager throws is a {@link SessionKitError} with a stable `code`,
 * tagged with the store's name where a store was involved, and carrying the original error as `cause`.
 *
 * @module
 */

/** Stable machine-readable error codes. */
export type SessionKitErrorCode =
  | 'STORE_UNAVAILABLE'
  | 'STORE_TIMEOUT'
  | 'CONFLICT'
  | 'CONTENTION'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERIALIZATION'
  | 'CONFIGURATION'
  | 'SESSION_LIMIT'
  | 'UNSUPPORTED'
  | 'STORE_CLOSED'
  | 'DECRYPTION';

/** Options common to every SessionKit error. */
export interface SessionKitErrorOptions {
  /** The name of the store involved (e.g. `"redis"`), if any. */
  store?: string;
  /** The store or manager operation that failed (e.g. `"update"`). */
  operation?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of all SessionKit errors. */
export class SessionKitError extends Error {
  /** A stable code to branch on. */
  readonly code: SessionKitErrorCode;
  /** The store involved, if any. */
  readonly store: string | undefined;
  /** The operation that failed, if known. */
  readonly operation: string | undefined;
  /** Whether retrying the same call later may succeed. */
  readonly retryable: boolean;

  constructor(code: SessionKitErrorCode, message: string, options: SessionKitErrorOptions = {}, retryable = false) {
    const tag = options.store ? `[${options.store}${options.operation ? ` ${options.operation}` : ''}] ` : '';
    super(tag + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.store = options.store;
    this.operation = options.operation;
    this.retryable = retryable;
  }
}

/** The backend cannot be reached, refused the call, or lost the connection. Retryable. */
export class StoreUnavailableError extends SessionKitError {
  constructor(message: string, options: SessionKitErrorOptions = {}, code: SessionKitErrorCode = 'STORE_UNAVAILABLE') {
    super(code, message, options, true);
  }
}

/** The backend did not answer within the operation's deadline. A kind of {@link StoreUnavailableError}. */
export class StoreTimeoutError extends StoreUnavailableError {
  /** The deadline that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options: SessionKitErrorOptions = {}) {
    super(`no answer within ${timeoutMs} ms`, options, 'STORE_TIMEOUT');
    this.timeoutMs = timeoutMs;
  }
}

/** Options of a {@link ConflictError}. */
export interface ConflictErrorOptions extends SessionKitErrorOptions {
  /** The attributes whose concurrent change decided the conflict, if known. */
  attributes?: readonly string[];
}

/**
 * A concurrent request changed what this one read and then wrote (a stale read-then-write), or a same-key
 * conflict hit the `'reject'` policy. Nothing of the failed commit was written. The HTTP bindings answer 409:
 * the client should reload and try again.
 */
export class ConflictError extends SessionKitError {
  /** The attributes both requests changed (empty when the conflict is not about attributes). */
  readonly attributes: readonly string[];
  constructor(message: string, options: ConflictErrorOptions = {}, code: SessionKitErrorCode = 'CONFLICT') {
    super(code, message, options, true);
    this.attributes = options.attributes ?? [];
  }
}

/**
 * Concurrent writers kept winning the compare-and-set on one session until the commit's retry deadline ran
 * out, or the store could not settle a conditional write under contention. Nothing of the failed commit was
 * written, and nothing is wrong with the request itself: retrying shortly succeeds. The HTTP bindings answer
 * 503 with `Retry-After`.
 */
export class ContentionError extends ConflictError {
  constructor(message: string, options: ConflictErrorOptions = {}) {
    super(message, options, 'CONTENTION');
  }
}

/** The encoded session is larger than the store (or the manager's configuration) accepts. Nothing was written. */
export class PayloadTooLargeError extends SessionKitError {
  /** The encoded size, in bytes. */
  readonly size: number;
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  constructor(size: number, limit: number, options: SessionKitErrorOptions = {}) {
    super('PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds the limit of ${limit} bytes`, options);
    this.size = size;
    this.limit = limit;
  }
}

/** Session data cannot be encoded (functions, cycles, BigInt, class instances, ...). Nothing was written. */
export class SerializationError extends SessionKitError {
  /** Where in the data the problem sits, e.g. `"cart.items[2]"`. */
  readonly path: string;
  constructor(message: string, path: string, options: SessionKitErrorOptions = {}) {
    super('SERIALIZATION', path ? `${message} at "${path}"` : message, options);
    this.path = path;
  }
}

/** Invalid settings passed to a constructor or factory. */
export class ConfigurationError extends SessionKitError {
  constructor(message: string, options: SessionKitErrorOptions = {}) {
    super('CONFIGURATION', message, options);
  }
}

/** The user already holds the maximum number of sessions and the policy is `'refuse'`. */
export class SessionLimitError extends SessionKitError {
  /** The configured limit. */
  readonly limit: number;
  constructor(limit: number, options: SessionKitErrorOptions = {}) {
    super('SESSION_LIMIT', `the user already has ${limit} active sessions`, options);
    this.limit = limit;
  }
}

/** The store does not support this operation (see {@link StoreCapabilities}). */
export class UnsupportedOperationError extends SessionKitError {
  constructor(message: string, options: SessionKitErrorOptions = {}) {
    super('UNSUPPORTED', message, options);
  }
}

/** The store was closed; it accepts no further calls. */
export class StoreClosedError extends SessionKitError {
  constructor(options: SessionKitErrorOptions = {}) {
    super('STORE_CLOSED', 'the store is closed', options);
  }
}

/**
 * Returns `error` if it is already a {@link SessionKitError}; otherwise wraps it in the error class for `code`
 * (serialization or store-unavailable), keeping the original as `cause`.
 */
export function toSessionKitError(
  error: unknown,
  code: 'SERIALIZATION' | 'STORE_UNAVAILABLE',
  message: string,
  options: SessionKitErrorOptions = {},
): SessionKitError {
  if (error instanceof SessionKitError) return error;
  const detail = error instanceof Error ? `${message}: ${error.message}` : message;
  return code === 'SERIALIZATION'
    ? new SerializationError(detail, '', { ...options, cause: error })
    : new StoreUnavailableError(detail, { ...options, cause: error });
}

/** Why a record could not be decrypted (see {@link DecryptionError}). */
export type DecryptionFailure =
  /** Too short, or a format version this code does not write: not a record of the encryption layer. */
  | 'malformed'
  /** Written under a key id that is not in the key ring: a retired key, or a ring from another deployment. */
  | 'unknown-key'
  /** The authentication tag does not match: the record was altered, or copied from under another store key. */
  | 'authentication';

/** Options of a {@link DecryptionError}. */
export interface DecryptionErrorOptions extends SessionKitErrorOptions {
  /** The key id named in the record's header, when it could be read. */
  keyId?: string;
}

/**
 * A stored record failed to decrypt. The manager reports it as a `corrupt` event and reads the session as
 * missing (the user starts a new session); nothing is thrown to the request. The message and fields never
 * contain key material or plaintext.
 */
export class DecryptionError extends SessionKitError {
  /** What went wrong. */
  readonly reason: DecryptionFailure;
  /** The key id in the record's header, if it could be read (ids are not secret). */
  readonly keyId: string | undefined;
  constructor(reason: DecryptionFailure, message: string, options: DecryptionErrorOptions = {}) {
    super('DECRYPTION', message, options);
    this.reason = reason;
    this.keyId = options.keyId;
  }
}

/**
 * Argument checks every store runs before it talks to its backend, with one set of rules and messages, so a
 * malformed call fails the same way on every adapter (a {@link ConfigurationError} tagged with the store and
 * operation) and never reaches a server.
 *
 * @module
 */
import { ConfigurationError } from './errors.js';
import type { StoredSession } from './store.js';

/** The longest store key, in characters. Keys are hashes (43 characters); the bound only stops abuse. */
export const MAX_KEY_LENGTH = 512;
/** The longest user ID, in UTF-8 bytes, that every store accepts for its per-user index. */
export const MAX_USER_ID_BYTES = 256;

const utf8 = new TextEncoder();

/** Rejects empty, non-string or overlong keys. */
export function assertValidKey(store: string, operation: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new ConfigurationError(`a store key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`, {
      store,
      operation,
    });
  }
}

/** Rejects a deadline that is not a finite number of epoch milliseconds. */
export function assertValidExpiry(store: string, operation: string, expiresAt: number): void {
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    throw new ConfigurationError('expiresAt must be a finite epoch-millisecond number', { store, operation });
  }
}

/** Rejects a user ID that is not a non-empty string of at most {@link MAX_USER_ID_BYTES} UTF-8 bytes. */
export function assertValidUserId(store: string, operation: string, userId: string): void {
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new ConfigurationError('userId must be a non-empty string', { store, operation });
  }
  // A UTF-8 character is at most 3 bytes per UTF-16 unit, so short IDs skip the encoding.
  if (userId.length * 3 > MAX_USER_ID_BYTES && utf8.encode(userId).byteLength > MAX_USER_ID_BYTES) {
    throw new ConfigurationError(`userId must be at most ${MAX_USER_ID_BYTES} UTF-8 bytes`, { store, operation });
  }
}

/**
 * Checks everything a write receives: the key, a `Uint8Array` payload, a positive integer version, a finite
 * deadline and, when present, the owner.
 */
export function assertValidRecord(store: string, operation: string, key: string, session: StoredSession): void {
  assertValidKey(store, operation, key);
  if (session === null || typeof session !== 'object' || !(session.data instanceof Uint8Array)) {
    throw new ConfigurationError('session.data must be a Uint8Array', { store, operation });
  }
  if (!Number.isSafeInteger(session.version) || session.version < 1) {
    throw new ConfigurationError('session.version must be a positive integer', { store, operation });
  }
  assertValidExpiry(store, operation, session.expiresAt);
  if (session.userId !== undefined) assertValidUserId(store, operation, session.userId);
}

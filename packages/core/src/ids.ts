/**
 * Session IDs and store keys.
 *
 * An ID is 32 bytes (256 bits) from the operating system's CSPRNG, encoded as base64url without padding:
 * exactly 43 characters. The store never sees the ID: it sees `hashSessionId(id)`, the SHA-256 of the ID in
 * base64url, so a dump of the store yields no token that can be replayed as a cookie.
 *
 * @module
 */
import { hash, randomBytes } from 'node:crypto';

/** Number of random bytes in a session ID. */
export const SESSION_ID_BYTES = 32;
/** Length of an encoded session ID (and of a store key): 43 base64url characters. */
export const SESSION_ID_LENGTH = 43;

// 32 bytes = 256 bits encode to 42 full characters plus one carrying 4 bits; the last character's two low
// bits are always zero, so only 16 of the 64 symbols can end a canonical ID. One pattern checks both, so a
// request pays a single regular-expression match.
const ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** Mints a new session ID: 256 random bits, base64url. */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/**
 * Whether `value` has the exact shape of an ID minted by {@link generateSessionId}. Checked before any store
 * call, so malformed, truncated or padded IDs never reach a backend.
 */
export function isValidSessionId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The store key for a session ID: SHA-256 of the ID, base64url (43 characters). */
export function hashSessionId(id: string): string {
  return hash('sha256', id, 'base64url');
}

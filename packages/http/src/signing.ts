/**
 * Token signing: `<id>.<sig>` where `sig` is HMAC-SHA256(secret, id) in base64url.
 *
 * A list of secrets supports rotation: the first signs, every one verifies. Verification is strict and
 * constant-time: the token must have the exact shape `<43 chars>.<43 chars>` (the signature in canonical
 * base64url), the ID must pass core's `isValidSessionId`, and the signature's 32 bytes are compared in full
 * with `crypto.timingSafeEqual` against every secret's digest (no early exit), so a forged, tampered, truncated
 * or padded token is rejected before any store lookup and the comparison time does not depend on how many
 * leading characters were right.
 *
 * @module
 */
import { ConfigurationError, isValidSessionId, SESSION_ID_LENGTH } from '@sessionkit/core';
import { SessionIdMacs } from './session-id-mac.js';

/** Shortest secret accepted, in bytes (256 bits, the HMAC-SHA256 output size). */
export const MIN_SECRET_BYTES = 32;
/** Length of a base64url HMAC-SHA256 signature. */
export const SIGNATURE_LENGTH = 43;
/** Length of a signed token: ID, dot, signature. */
export const TOKEN_LENGTH = SESSION_ID_LENGTH + 1 + SIGNATURE_LENGTH;

/**
 * 43 base64url characters carry 258 bits for a 256-bit digest, so the last character of a signature holds
 * two padding bits that decoding ignores. Only the canonical form (padding bits zero, the 16 characters
 * listed) is accepted, so exactly one string matches each digest even though the check compares bytes.
 */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/** A well-formed ID hashed when the token is rejected, so a rejection costs the same as a check. */
const FILLER_ID = 'A'.repeat(SESSION_ID_LENGTH);
/** One secret or a rotation list (the first signs, all verify). Strings are used as UTF-8 bytes. */
export type Secrets = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** The result of {@link TokenSigner.verify} for a valid token. */
export interface VerifiedToken {
  /** The raw session ID. */
  id: string;
  /** Whether the token was signed with a secret other than the first (re-issue it to finish a rotation). */
  stale: boolean;
}

/** Signs session IDs and verifies signed tokens. */
export interface TokenSigner {
  /** `<id>.<sig>` with the first secret. */
  sign(id: string): string;
  /** The ID of a well-formed token signed by one of the secrets, otherwise `null`. Never throws. */
  verify(token: unknown): VerifiedToken | null;
}

/**
 * The secrets as byte strings, validated. Throws {@link ConfigurationError} if none is given or one is shorter
 * than {@link MIN_SECRET_BYTES} bytes. Shared by the cookie signer and the CSRF tokens, which derive their keys
 * from the same list.
 */
export function secretBytes(secrets: Secrets): Buffer[] {
  const list = (typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : [...secrets]).map(
    (secret, index) => {
      const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new ConfigurationError(
          `secret #${index + 1} has ${bytes.length} bytes; at least ${MIN_SECRET_BYTES} random bytes are required`,
        );
      }
      return bytes;
    },
  );
  if (list.length === 0) throw new ConfigurationError('at least one signing secret is required');
  return list;
}

/**
 * Creates a {@link TokenSigner}. Throws {@link ConfigurationError} if no secret is given or one is shorter than
 * {@link MIN_SECRET_BYTES} bytes.
 */
export function createSigner(secrets: Secrets): TokenSigner {
  const macs = new SessionIdMacs(secretBytes(secrets));
  return {
    sign(id: string): string {
      if (!isValidSessionId(id)) throw new ConfigurationError('refusing to sign a malformed session ID');
      return `${id}.${macs.issue(id)}`;
    },
    verify(token: unknown): VerifiedToken | null {
      const shaped = typeof token === 'string' && token.length === TOKEN_LENGTH && TOKEN_PATTERN.test(token);
      const id = shaped ? token.slice(0, SESSION_ID_LENGTH) : '';
      const valid = shaped && isValidSessionId(id);
      // The raw digests are compared, not their base64url text. The pattern admits only canonical 43-character
      // signatures, which decode to exactly 32 bytes, so the comparison is always over the full digest. A
      // rejected shape compares a fixed filler under a well-formed ID instead, so every rejection does the same
      // work (every secret, full length, no early exit: SessionIdMacs.match).
      const matched = macs.match(valid ? id : FILLER_ID, valid ? token.slice(SESSION_ID_LENGTH + 1) : undefined);
      return matched === -1 ? null : { id, stale: matched > 0 };
    },
  };
}

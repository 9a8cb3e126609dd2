/**
 * {@link CsrfTokens}: stateless CSRF tokens bound to a session ID.
 *
 * A token is `base64url(HMAC-SHA256(csrfKey, sessionId))`, where each signing secret yields its own CSRF key,
 * `csrfKey = HMAC-SHA256(secret, "sessionkit/csrf/v1")`, derived once at startup. Issuing and checking a token
 * therefore stores nothing and needs no store call: the signed session cookie already carries the ID.
 *
 * Why the raw ID and not the store key (its SHA-256): the raw ID is secret (only the cookie holder has it),
 * while the store key is not meant to be (it is shown on the "your sessions" page and appears in logs and
 * events), so a MAC over the ID binds the token to the one thing an attacker cannot know; and the verified
 * cookie hands over the ID with no further hashing. The HMAC key is secret either way, and the token reveals
 * nothing about the ID (HMAC is one-way).
 *
 * Why a derived key and not the signing secret itself: the cookie signature is HMAC(secret, id), so a token
 * under the same key would *be* the cookie's signature. The label separates the two uses, and the `v1` in it
 * lets a future format change its keys.
 *
 * Rotation: the first secret's key issues, every secret's key verifies, so a token issued before a new secret
 * was prepended keeps verifying until its secret is dropped.
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { isValidSessionId } from '@sessionkit/core';
import { SessionIdMacs } from './session-id-mac.js';
import type { Secrets } from './signing.js';
import { secretBytes } from './signing.js';

/** The label each CSRF key is derived under (domain separation from the cookie signature). */
const CSRF_KEY_LABEL = 'sessionkit/csrf/v1';

/** Issues and verifies the CSRF tokens of session IDs under keys derived from the signing secrets. */
export class CsrfTokens {
  readonly #macs: SessionIdMacs;

  /** `secrets`: the same list the cookie is signed with (validated the same way). */
  constructor(secrets: Secrets) {
    this.#macs = new SessionIdMacs(
      secretBytes(secrets).map((secret) => createHmac('sha256', secret).update(CSRF_KEY_LABEL).digest()),
    );
  }

  /** The token of a session ID, under the first secret's key: 43 base64url characters. */
  issue(id: string): string {
    return this.#macs.issue(id);
  }

  /**
   * Whether `token` is the token of session ID `id` under any secret's key. Full-length constant-time
   * comparison against every key (no early exit). `false` for a missing ID or a token of any other shape.
   */
  verify(id: string | undefined, token: unknown): boolean {
    if (!isValidSessionId(id)) return false;
    // A token is a 32-byte digest in canonical base64url: exactly the shape core's session-ID check accepts
    // (43 characters, the last one with zero padding bits), so that check is the token's shape check.
    const shaped = isValidSessionId(token);
    return this.#macs.match(id, shaped ? token : undefined) !== -1;
  }
}

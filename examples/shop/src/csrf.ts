/**
 * Anti-CSRF tokens kept in the session (synchronizer token pattern). Every POST form carries the token in a
 * hidden `_csrf` field; a POST whose token does not match the session's is refused with 403. The token is
 * rotated when the session is regenerated at login.
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Session } from '@sessionkit/core';
import type { ShopSession } from './shop-session.js';

/** The form field that carries the token. */
export const CSRF_FIELD = '_csrf';

/** A fresh random token (256 bits, base64url). */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The session's token, creating one (which makes the session worth storing) if it has none. */
export function ensureCsrfToken(session: Session<ShopSession>): string {
  let token = session.get('csrf');
  if (!token) {
    token = newCsrfToken();
    session.set('csrf', token);
  }
  return token;
}

/** Whether a submitted token matches the session's (constant time). No session or no token never matches. */
export function csrfTokenMatches(session: Session<ShopSession> | null, submitted: unknown): boolean {
  const expected = session?.get('csrf');
  if (typeof expected !== 'string' || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A POST that failed the CSRF check (answered 403). */
export class CsrfError extends Error {
  readonly status = 403;
  readonly expose = true;
  constructor() {
    super('This form has expired or was not sent by this shop. Please try again.');
    this.name = 'CsrfError';
  }
}

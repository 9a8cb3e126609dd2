/**
 * How the express-session bridge stores an express-session session object: its JSON as UTF-8 bytes, expiring
 * at `cookie.expires`. Shared by the bridge's reads and writes, its enumeration and its legacy read-through.
 *
 * @module
 */

/** The express-session session object as the store sees it (JSON with a `cookie` field). */
export interface ExpressSessionData {
  /** express-session's cookie settings; `expires` is when the session ends (a date, or its JSON string). */
  cookie?: {
    expires?: Date | string | null;
    maxAge?: number | null;
    originalMaxAge?: number | null;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Keys dropped on reading: express-session copies stored keys onto its Session object. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The stored bytes of a session object. */
export function encodeSession(session: ExpressSessionData): Uint8Array {
  return encoder.encode(JSON.stringify(session));
}

/**
 * The session object in stored bytes, without prototype-polluting keys; `null` when they are not the JSON of
 * an object (a corrupt record, or one that is not a bridge record).
 */
export function decodeSession(data: Uint8Array): ExpressSessionData | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data), (name, value: unknown) => (FORBIDDEN.has(name) ? undefined : value));
  } catch {
    return null;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as ExpressSessionData)
    : null;
}

/** When a session's record expires: its `cookie.expires`, or `now + ttl` for a browser-session cookie. */
export function sessionExpiry(session: ExpressSessionData, now: number, ttl: number): number {
  const expires = session.cookie?.expires;
  const at = expires === undefined || expires === null ? Number.NaN : new Date(expires).getTime();
  return Number.isFinite(at) ? at : now + ttl;
}

/**
 * Helpers for adapters' `SessionStore.scan` cursors: text (a backend key, a resume position) carried in
 * a cursor as base64url, decoded back only when the cursor holds exactly what {@link encodeCursorText} writes,
 * so a tampered or truncated cursor is refused instead of resuming somewhere else.
 *
 * @module
 */
/** Base64url of the UTF-8 bytes of `text`: safe in a cursor, a URL or a file name. */
export function encodeCursorText(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * The text {@link encodeCursorText} encoded into `encoded`, or `undefined` when `encoded` is not its exact
 * output for some string (other characters, non-canonical padding bits, bytes that are not UTF-8).
 */
export function decodeCursorText(encoded: string): string | undefined {
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9_-]*$/.test(encoded)) return undefined;
  const text = Buffer.from(encoded, 'base64url').toString('utf8');
  return encodeCursorText(text) === encoded ? text : undefined;
}

/**
 * Stored-value encoding: the byte layout of the values this adapter stores in memcached.
 *
 * Memcached stores opaque bytes with a server-side TTL of whole seconds. The session's version, exact
 * `expiresAt` (milliseconds, used to filter reads) and owner travel inside the value, in a small header in
 * front of the codec output:
 *
 * ```
 * offset size
 *  0     1   magic 0x53 ('S')
 *  1     1   frame format (1)
 *  2     1   flags: bit 0 = has userId
 *  3     8   version      (float64 BE, a safe integer >= 1)
 * 11     8   expiresAt    (float64 BE, epoch ms)
 * 19     8   indexUntil   (float64 BE, epoch ms: how long the user index is known to outlive this session; 0 if no user)
 * 27     2   userId length in bytes (uint16 BE)
 * 29     n   userId (UTF-8)
 * 29+n   ... data (the codec output, opaque)
 * ```
 *
 * A value that does not parse (wrong magic, unknown format, truncated, impossible numbers) is reported as
 * `null` and the store treats the key as missing (it may be another application's item under the same key,
 * which `create` then replaces); it never throws. The userId is at most core's `MAX_USER_ID_BYTES`.
 *
 * The per-user index is a separate item holding a small JSON document (see {@link encodeUserIndex}).
 *
 * @module
 */

import { MAX_USER_ID_BYTES } from '@sessionkit/core';

/** First byte of every session value. */
export const SESSION_MAGIC = 0x53;
/** Current session frame format. */
export const SESSION_FORMAT = 1;
/** Bytes of the fixed session header (without the userId). */
export const SESSION_HEADER_BYTES = 29;

/** A decoded session value. */
export interface SessionFrame {
  version: number;
  expiresAt: number;
  /** Epoch ms until which the user index item is known to live (0 when there is no user). */
  indexUntil: number;
  userId: string | undefined;
  data: Uint8Array;
}

/** Encodes a session value. `userIdBytes` is the UTF-8 userId (pass it when already computed). */
export function encodeRecord(frame: SessionFrame, userIdBytes?: Buffer): Buffer {
  const uid = userIdBytes ?? userIdBytesOf(frame);
  const buf = Buffer.allocUnsafe(recordLength(frame, uid));
  writeRecord(buf, 0, frame, uid);
  return buf;
}

/** The UTF-8 bytes of a frame's userId, if any. */
export function userIdBytesOf(frame: SessionFrame): Buffer | undefined {
  return frame.userId === undefined ? undefined : Buffer.from(frame.userId, 'utf8');
}

/** Encoded size of `frame` with these userId bytes. */
export function recordLength(frame: SessionFrame, uid: Buffer | undefined): number {
  return SESSION_HEADER_BYTES + (uid?.length ?? 0) + frame.data.byteLength;
}

/** Writes `frame` into `buf` at `offset` ({@link recordLength} bytes). */
export function writeRecord(buf: Buffer, offset: number, frame: SessionFrame, uid: Buffer | undefined): void {
  const uidLength = uid?.length ?? 0;
  buf.writeUInt8(SESSION_MAGIC, offset);
  buf.writeUInt8(SESSION_FORMAT, offset + 1);
  buf.writeUInt8(uid ? 1 : 0, offset + 2);
  buf.writeDoubleBE(frame.version, offset + 3);
  buf.writeDoubleBE(frame.expiresAt, offset + 11);
  buf.writeDoubleBE(frame.indexUntil, offset + 19);
  buf.writeUInt16BE(uidLength, offset + 27);
  if (uid) uid.copy(buf, offset + SESSION_HEADER_BYTES);
  buf.set(frame.data, offset + SESSION_HEADER_BYTES + uidLength);
}

/** Decodes a session value, or returns `null` if it is not a well-formed frame. Never throws. */
export function decodeRecord(value: Buffer | null | undefined): SessionFrame | null {
  if (!value || value.length < SESSION_HEADER_BYTES) return null;
  if (value[0] !== SESSION_MAGIC || value[1] !== SESSION_FORMAT) return null;
  const flags = value[2]!;
  if ((flags & ~1) !== 0) return null;
  const version = value.readDoubleBE(3);
  const expiresAt = value.readDoubleBE(11);
  const indexUntil = value.readDoubleBE(19);
  const uidLength = value.readUInt16BE(27);
  if (!Number.isSafeInteger(version) || version < 1) return null;
  if (!Number.isFinite(expiresAt) || !Number.isFinite(indexUntil)) return null;
  const hasUser = (flags & 1) === 1;
  if (!hasUser && uidLength !== 0) return null;
  if (uidLength > MAX_USER_ID_BYTES || SESSION_HEADER_BYTES + uidLength > value.length) return null;
  const userId = hasUser ? value.toString('utf8', SESSION_HEADER_BYTES, SESSION_HEADER_BYTES + uidLength) : undefined;
  const dataStart = SESSION_HEADER_BYTES + uidLength;
  // A plain Uint8Array view (not a Buffer) over the received bytes: no copy.
  const data = new Uint8Array(value.buffer, value.byteOffset + dataStart, value.length - dataStart);
  return { version, expiresAt, indexUntil, userId, data };
}

/** One entry of a user's index: the session key (without prefix) and the latest known deadline. */
export interface IndexEntry {
  key: string;
  /**
   * A lower bound of the session's `expiresAt` (the value at create or at the last index refresh). Updates
   * and touches that stay below the session's `indexUntil` do not rewrite the index, so the real deadline
   * may be later: an entry past its hint is verified by reading the session before it is dropped.
   */
  hint: number;
}

/** Current index document format. */
export const INDEX_FORMAT = 1;

/** Encodes a user index as `{"v":1,"e":[[key,hint],...]}` (insertion order = oldest first). */
export function encodeUserIndex(entries: readonly IndexEntry[]): Buffer {
  return Buffer.from(JSON.stringify({ v: INDEX_FORMAT, e: entries.map((e) => [e.key, e.hint]) }), 'utf8');
}

/**
 * Decodes a user index, or returns `null` if the bytes are not a valid index document (the caller then
 * treats the index as empty and overwrites it). Never throws.
 */
export function decodeUserIndex(value: Buffer | null | undefined): IndexEntry[] | null {
  if (!value || value.length === 0) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { v, e } = doc as { v?: unknown; e?: unknown };
  if (v !== INDEX_FORMAT || !Array.isArray(e)) return null;
  const entries: IndexEntry[] = [];
  const seen = new Set<string>();
  for (const item of e) {
    if (!Array.isArray(item) || item.length !== 2) return null;
    const [key, hint] = item as unknown[];
    if (typeof key !== 'string' || key.length === 0 || typeof hint !== 'number' || !Number.isFinite(hint)) return null;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ key, hint });
  }
  return entries;
}

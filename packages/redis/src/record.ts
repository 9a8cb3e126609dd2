/**
 * The value of one session in Redis: a single binary string per session, header first.
 *
 * ```
 * offset  size  field
 * 0       1     format: 1 = data verbatim (2 = deflate-raw data, written by 0.1 only: still read, never written)
 * 1       8     version        float64 LE (a safe integer, exact in a double)
 * 9       8     expiresAt      float64 LE (epoch ms)
 * 17      8     indexedUntil   float64 LE: the score this session is known to hold in its user's index (0 = no user)
 * 25      2     userId length  uint16 LE, in UTF-8 bytes (0 = anonymous)
 * 27      n     userId         UTF-8
 * 27+n    ...   data           the codec output, verbatim (binary-safe)
 * ```
 *
 * A string rather than a HASH: a 1 KiB field is far beyond `hash-max-listpack-value`, so a HASH would be a
 * real hashtable (measured in docs/redis.md). The Lua scripts in `scripts.ts` read this header with
 * `struct.unpack('<BdddH', ...)`, so the two sides must stay in step: change {@link FORMAT} when the layout
 * changes.
 *
 * @module
 */

import { inflateRawSync } from 'node:zlib';
import type { StoredSession } from '@sessionkit/core';

/** Format byte of the current layout, data stored verbatim. */
const FORMAT = 1;
/**
 * Same layout, data compressed with deflate-raw: what version 0.1 of this adapter wrote by default. Records
 * in this format are still read (so an upgrade logs nobody out) and rewritten verbatim by their next update;
 * compression is now a codec layer of core (`compressedCodec`), above every store.
 */
const FORMAT_DEFLATE_V0_1 = 2;

const knownFormat = (byte: number | undefined) => byte === FORMAT || byte === FORMAT_DEFLATE_V0_1;
/** Size of the fixed part of the header, before the userId. */
export const FIXED_HEADER_BYTES = 27;

/** The decoded header and payload of one stored value. */
export interface DecodedRecord {
  /** The session's version. */
  version: number;
  /** Epoch ms deadline. */
  expiresAt: number;
  /** The score the session is known to hold in its user's index (0 for anonymous sessions). */
  indexedUntil: number;
  /** The owner fixed at create, if any. */
  userId: string | undefined;
  /** The payload (a view into the value). */
  data: Uint8Array;
}

/** Decodes a stored value, or returns `undefined` if it is not in a format this version understands. */
export function decodeRecord(value: Buffer): DecodedRecord | undefined {
  if (value.length < FIXED_HEADER_BYTES || !knownFormat(value[0])) return undefined;
  const userIdLength = value.readUInt16LE(25);
  const dataStart = FIXED_HEADER_BYTES + userIdLength;
  if (value.length < dataStart) return undefined;
  let data: Uint8Array;
  if (value[0] === FORMAT_DEFLATE_V0_1) {
    try {
      data = new Uint8Array(inflateRawSync(value.subarray(dataStart)));
    } catch {
      return undefined; // corrupt compressed payload: reads as missing, like any undecodable value
    }
  } else {
    // A view, not a copy: ioredis hands us a fresh Buffer per reply, so nothing else holds it.
    data = new Uint8Array(value.buffer, value.byteOffset + dataStart, value.length - dataStart);
  }
  return {
    version: value.readDoubleLE(1),
    expiresAt: value.readDoubleLE(9),
    indexedUntil: value.readDoubleLE(17),
    userId: userIdLength === 0 ? undefined : value.toString('utf8', FIXED_HEADER_BYTES, dataStart),
    data,
  };
}

/**
 * Reads only the header of a value prefix (as returned by `GETRANGE key 0 26+n`, see {@link headerBytes}):
 * used by `listByUser`, which needs the deadline and the owner but not the payload.
 */
export function decodeHeader(
  prefix: Buffer,
): { version: number; expiresAt: number; userId: string | undefined } | undefined {
  if (prefix.length < FIXED_HEADER_BYTES || !knownFormat(prefix[0])) return undefined;
  const userIdLength = prefix.readUInt16LE(25);
  if (prefix.length < FIXED_HEADER_BYTES + userIdLength) return undefined;
  return {
    version: prefix.readDoubleLE(1),
    expiresAt: prefix.readDoubleLE(9),
    userId:
      userIdLength === 0 ? undefined : prefix.toString('utf8', FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + userIdLength),
  };
}

/** The length of the header of a record owned by `userId`: what `GETRANGE` reads for {@link decodeHeader}. */
export function headerBytes(userId: string): number {
  return FIXED_HEADER_BYTES + Buffer.byteLength(userId, 'utf8');
}

/**
 * Encodes a whole value (used by `create`): `session` with the user-index bound `indexedUntil` (0 for an
 * anonymous session). The userId is at most 256 UTF-8 bytes (core's guard), well within the 16-bit field.
 */
export function encodeRecord(session: StoredSession, indexedUntil: number): Buffer {
  const { userId, data } = session;
  const userIdLength = userId === undefined ? 0 : Buffer.byteLength(userId, 'utf8');
  const out = Buffer.allocUnsafe(FIXED_HEADER_BYTES + userIdLength + data.byteLength);
  out[0] = FORMAT;
  out.writeDoubleLE(session.version, 1);
  out.writeDoubleLE(session.expiresAt, 9);
  out.writeDoubleLE(indexedUntil, 17);
  out.writeUInt16LE(userIdLength, 25);
  if (userId !== undefined) out.write(userId, FIXED_HEADER_BYTES, 'utf8');
  out.set(data, FIXED_HEADER_BYTES + userIdLength);
  return out;
}

/**
 * `data` as a Buffer over the same bytes (no copy), as the scripts receive it: ioredis sends a Buffer as is,
 * but stringifies any other Uint8Array ("1,2,3").
 */
export function dataArgument(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

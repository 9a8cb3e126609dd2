/**
 * The value format of one session in Redis: a single binary string per session, header first.
 *
 * ```
 * offset  size  field
 * 0       1     format: 1 = data verbatim, 2 = data deflate-raw compressed (see `compression.ts`)
 * 1       8     version        float64 LE (a safe integer, exact in a double)
 * 9       8     expiresAt      float64 LE (epoch ms)
 * 17      8     indexedUntil   float64 LE: the score this session is known to hold in its user's index (0 = no user)
 * 25      2     userId length  uint16 LE, in UTF-8 bytes (0 = anonymous)
 * 27      n     userId         UTF-8
 * 27+n    ...   data           the codec output, verbatim (binary-safe)
 * ```
 *
 * Why a string and not a HASH: a 1 KiB field is far beyond `hash-max-listpack-value` (64), so a HASH would be
 * a real hashtable with a dictEntry and two sds strings per field (measured: about 65 % overhead for a 1 KiB
 * payload against about 42 % for a string). The 27-byte header costs nothing extra for payloads whose
 * allocation lands in a jemalloc size class with room to spare (a 1024-byte payload already lives in the 1280
 * class). The Lua scripts in `scripts.ts` read this header with `struct.unpack('<Bddd', ...)`, so the two
 * sides must stay in step: change {@link FORMAT} when the layout changes.
 *
 * @module
 */
import { inflateRawSync } from 'node:zlib';

/** Format byte of the current layout, data stored verbatim. */
export const FORMAT = 1;
/** Same layout, data compressed with deflate-raw. */
export const FORMAT_DEFLATE = 2;

const knownFormat = (byte: number | undefined) => byte === FORMAT || byte === FORMAT_DEFLATE;
/** Size of the fixed part of the header, before the userId. */
export const FIXED_HEADER_BYTES = 27;
/** Longest userId the header can hold, in UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 0xffff;

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
  if (value[0] === FORMAT_DEFLATE) {
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
 * Reads only the header of a value prefix (as returned by `GETRANGE key 0 26+n`): used by `listByUser`,
 * which needs the deadline and the owner but not the payload.
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
    userId: userIdLength === 0 ? undefined : prefix.toString('utf8', FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + userIdLength),
  };
}

/** Encodes a whole value (used by `create`). */
export function encodeRecord(
  version: number,
  expiresAt: number,
  indexedUntil: number,
  userId: Buffer | undefined,
  data: Uint8Array,
  format: number = FORMAT,
): Buffer {
  const userIdLength = userId?.length ?? 0;
  const out = Buffer.allocUnsafe(FIXED_HEADER_BYTES + userIdLength + data.byteLength);
  out[0] = format;
  out.writeDoubleLE(version, 1);
  out.writeDoubleLE(expiresAt, 9);
  out.writeDoubleLE(indexedUntil, 17);
  out.writeUInt16LE(userIdLength, 25);
  if (userId) userId.copy(out, FIXED_HEADER_BYTES);
  out.set(data, FIXED_HEADER_BYTES + userIdLength);
  return out;
}

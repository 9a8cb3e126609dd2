/**
 * Payload compression, on by default: deflate-raw at level 1 for data of at least `minBytes`, kept only when
 * it saves at least {@link MIN_SAVING} of the size.
 *
 * Why on by default: Redis memory is what a session store costs, and one key per session cannot beat the
 * allocator's floor (a 1 KiB value lands in jemalloc's 1280-byte class; see docs/redis.md). Sessions are JSON,
 * which deflate halves or better, so compression is the one lever that brings memory per session below the
 * payload size. It costs CPU in the application (measured on 1 KiB of JSON: about 30 µs per deflate and
 * 12 µs per inflate), which is why payloads under `minBytes` are left alone.
 *
 * Incompressible payloads (an encrypting codec, binary blobs) would pay the deflate on every write for
 * nothing, so a miss makes the compressor skip the next eligible writes before it tries again: 15 after one
 * miss, doubling with each further miss in a row up to {@link MAX_SKIP}, back to 0 after a hit. A store of
 * incompressible data soon spends one deflate per thousand writes; a store of JSON that meets the odd
 * incompressible payload loses only a few compressions. Skipped or missed payloads are stored verbatim
 * (format 1); readers handle both formats either way.
 *
 * The deflate window is sized to the payload (zlib's default is 32 KiB): zlib allocates its window and hash
 * tables on every call, about 256 KiB at the defaults, which the allocator hands out as fresh pages, and that
 * cost more than the compression itself for a 1 KiB session. A window at least as large as the payload
 * compresses it just as well, and any inflater (default 32 KiB window) reads the result.
 *
 * @module
 */
import { deflateRawSync } from 'node:zlib';
import { FORMAT, FORMAT_DEFLATE } from './codec.js';

/** Smallest saving (fraction of the size) for which the compressed form is kept. */
export const MIN_SAVING = 0.1;
/** Eligible writes stored verbatim, without trying, after a payload did not compress (doubles per further miss). */
export const SKIP_AFTER_MISS = 15;
/** The longest run of writes skipped after repeated misses. */
export const MAX_SKIP = 1023;

/** The smallest raw-deflate window (zlib's floor) and the default one, as powers of two. */
const MIN_WINDOW_BITS = 9;
const MAX_WINDOW_BITS = 15;

/** zlib window and hash-table sizes for a payload of `size` bytes: a window that holds it, tables to match. */
function zlibSizes(size: number): { windowBits: number; memLevel: number } {
  const windowBits = Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, Math.ceil(Math.log2(size))));
  return { windowBits, memLevel: Math.max(1, windowBits - 7) };
}

/** Compression settings. */
export interface CompressionSettings {
  /** Smallest payload, in bytes, that is compressed. */
  minBytes: number;
  /** zlib level, 0-9. */
  level: number;
}

/** The bytes to store and their format byte. */
export interface PackedPayload {
  format: number;
  bytes: Buffer;
}

/** Compresses payloads per {@link CompressionSettings}, backing off from incompressible data. One per store. */
export class PayloadCompressor {
  readonly #settings: CompressionSettings | undefined;
  /** Eligible writes left to store without trying. */
  #skip = 0;
  /** The skip to apply after the next miss. */
  #nextSkip = SKIP_AFTER_MISS;

  /** `undefined` settings: every payload is stored verbatim. */
  constructor(settings: CompressionSettings | undefined) {
    this.#settings = settings;
  }

  /** The form of `data` to store. Never copies verbatim data (a Buffer view over the same bytes). */
  pack(data: Uint8Array): PackedPayload {
    // A Buffer either way: ioredis stringifies anything else (a Uint8Array would become "1,2,3").
    const plain = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const settings = this.#settings;
    if (!settings || plain.length < settings.minBytes) return { format: FORMAT, bytes: plain };
    if (this.#skip > 0) {
      this.#skip--;
      return { format: FORMAT, bytes: plain };
    }
    const packed = deflateRawSync(plain, { level: settings.level, ...zlibSizes(plain.length) });
    if (packed.length <= plain.length * (1 - MIN_SAVING)) {
      this.#nextSkip = SKIP_AFTER_MISS;
      return { format: FORMAT_DEFLATE, bytes: packed };
    }
    this.#skip = this.#nextSkip;
    this.#nextSkip = Math.min(MAX_SKIP, this.#nextSkip * 2 + 1);
    return { format: FORMAT, bytes: plain };
  }
}

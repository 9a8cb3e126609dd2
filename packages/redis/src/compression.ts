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
 * nothing, so a miss makes the compressor skip the next {@link SKIP_AFTER_MISS} eligible writes before it
 * tries again: a store of incompressible data spends one deflate per {@link SKIP_AFTER_MISS} + 1 writes.
 * Skipped or missed payloads are stored verbatim (format 1); readers handle both formats either way.
 *
 * @module
 */
import { deflateRawSync } from 'node:zlib';
import { FORMAT, FORMAT_DEFLATE } from './codec.js';

/** Smallest saving (fraction of the size) for which the compressed form is kept. */
export const MIN_SAVING = 0.1;
/** Eligible writes stored verbatim, without trying, after a payload did not compress. */
export const SKIP_AFTER_MISS = 15;

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
  #skip = 0;

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
    const packed = deflateRawSync(plain, { level: settings.level });
    if (packed.length <= plain.length * (1 - MIN_SAVING)) return { format: FORMAT_DEFLATE, bytes: packed };
    this.#skip = SKIP_AFTER_MISS;
    return { format: FORMAT, bytes: plain };
  }
}

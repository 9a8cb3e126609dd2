/**
 * A compression layer for any {@link Codec}: deflate-raw (node:zlib, synchronous) of the inner codec's output.
 *
 * A record is one format byte followed by the payload: 0 (the inner output verbatim) or 1 (deflate-raw of
 * it), so records written either way read either way. Outputs under `minBytes` are stored verbatim (deflate
 * costs more than it saves on them), and so is an output that deflate does not shrink by at least 10 %: every
 * read of it would pay an inflate for nothing.
 *
 * It costs CPU: on a 1 KiB JSON session, deflate plus inflate take about three times what `jsonCodec` does
 * (measured side by side by `bench/src/codec.ts`, see docs/benchmarks.md).
 * Use it under `encryptedCodec` (compress, then encrypt): ciphertext does not compress, so an encrypted record
 * can only be made smaller before it is encrypted.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Codec, CodecContext, SessionRecord } from './codec.js';
import { ConfigurationError } from './errors.js';

/** Format byte of a record holding the inner codec's output verbatim. */
const FORMAT_PLAIN = 0;
/** Format byte of a record holding the inner codec's output compressed with deflate-raw. */
const FORMAT_DEFLATE = 1;
/** Smallest saving (fraction of the size) for which the compressed form is kept. */
const MIN_SAVING = 0.1;
/**
 * Largest output an inflate may produce (64 MiB). Far above any session a store accepts, it stops a crafted
 * record (a "decompression bomb") from exhausting memory: such a record fails to decode and reads as missing.
 */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Options of {@link compressedCodec}. */
export interface CompressionOptions {
  /** Smallest inner output, in bytes, that is compressed (default 512). */
  minBytes?: number;
  /** zlib level, 1 (fastest, the default) to 9 (smallest). */
  level?: number;
}

/**
 * Wraps `inner` so its output is compressed with deflate-raw when that pays (see the module notes).
 *
 * @example
 * ```ts
 * const codec = compressedCodec(jsonCodec, { minBytes: 1024 });
 * ```
 */
export function compressedCodec(inner: Codec, options: CompressionOptions = {}): Codec {
  const minBytes = options.minBytes ?? 512;
  const level = options.level ?? 1;
  if (!Number.isSafeInteger(minBytes) || minBytes < 0) {
    throw new ConfigurationError('compression `minBytes` must be a non-negative integer');
  }
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new ConfigurationError('compression `level` must be an integer from 1 to 9');
  }
  const name = `${inner.name}+deflate`;
  return {
    name,
    encode(record: SessionRecord, context: CodecContext): Uint8Array {
      const plain = inner.encode(record, context);
      if (plain.byteLength >= minBytes) {
        const packed = deflateRawSync(plain, { level });
        if (packed.byteLength <= plain.byteLength * (1 - MIN_SAVING)) return framed(FORMAT_DEFLATE, packed);
      }
      return framed(FORMAT_PLAIN, plain);
    },
    decode(data: Uint8Array, context: CodecContext): SessionRecord {
      const body = data.subarray(1);
      switch (data[0]) {
        case FORMAT_PLAIN:
          return inner.decode(body, context);
        case FORMAT_DEFLATE:
          return inner.decode(inflateRawSync(body, { maxOutputLength: MAX_INFLATED_BYTES }), context);
        default:
          throw new Error(`not a record of codec "${name}" (format byte ${data[0] ?? 'missing'})`);
      }
    },
  };
}

/** `format` followed by `payload`, in a buffer of its own. */
function framed(format: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + payload.byteLength);
  out[0] = format;
  out.set(payload, 1);
  return out;
}

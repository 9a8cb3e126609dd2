/**
 * `sessionCodec`: builds the codec stack in the one order that works, serialize → compress → encrypt.
 * Ciphertext does not compress, so compression must come before encryption to save anything.
 *
 * @module
 */

import type { Codec } from './codec.js';
import { jsonCodec } from './codec.js';
import type { CompressionOptions } from './codec-compression.js';
import { compressedCodec } from './codec-compression.js';
import type { EncryptionOptions } from './codec-encryption.js';
import { encryptedCodec } from './codec-encryption.js';

/** Options of {@link sessionCodec}. */
export interface SessionCodecOptions {
  /** The serializing codec at the bottom of the stack (default {@link jsonCodec}). */
  codec?: Codec;
  /**
   * Compression of the serialized record ({@link compressedCodec}), or `false` for none. Default: on (with
   * its defaults) when `encryption` is set, since an encrypted record can no longer be compressed by the
   * store (the Redis adapter's own compression, for one); off otherwise.
   */
  compression?: CompressionOptions | false;
  /** Encryption of the (compressed) record ({@link encryptedCodec}); omit to store records unencrypted. */
  encryption?: EncryptionOptions;
}

/**
 * The codec for `SessionManager`'s `codec` option: `options.codec` (JSON by default), then compression, then
 * encryption, each as configured. Without compression or encryption it is the serializing codec itself.
 *
 * @example
 * ```ts
 * const sessions = new SessionManager({
 *   ...expiryPresets.nistAal2,
 *   codec: sessionCodec({ encryption: { keys: [{ id: '2025-06', key: process.env.SESSION_KEY! }] } }),
 * });
 * ```
 */
export function sessionCodec(options: SessionCodecOptions = {}): Codec {
  let codec = options.codec ?? jsonCodec;
  const compression = options.compression ?? (options.encryption ? {} : false);
  if (compression !== false) codec = compressedCodec(codec, compression);
  if (options.encryption) codec = encryptedCodec(codec, options.encryption);
  return codec;
}

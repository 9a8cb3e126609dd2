/**
 * Encryption at rest as a codec layer: AES-256-GCM (node:crypto) over the inner codec's output, under a key
 * ring whose first key encrypts and whose every key decrypts.
 *
 * A record is `[version 1][id length][key id][IV, 12 bytes][ciphertext][tag, 16 bytes]`: 30 bytes plus the
 * key id over the inner output. The IV is random per record. The associated data is the record's header
 * (version and key id) followed by the store key the manager passes in the {@link CodecContext}, so a record
 * copied under another session's key fails authentication, as does any changed byte. Every failure to
 * decrypt throws a {@link DecryptionError}; the manager reports it as a `corrupt` event and reads a miss.
 *
 * Random 96-bit IVs keep AES-GCM within its bounds for up to 2^32 records per key (NIST SP 800-38D):
 * rotate keys long before one key has encrypted four billion session writes.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import type { Codec, CodecContext, SessionRecord } from './codec.js';
import type { RingKey } from './encryption-keys.js';
import { isValidKeyId, keyRing } from './encryption-keys.js';
import { DecryptionError } from './errors.js';

const ALGORITHM = 'aes-256-gcm';
/** The record format this code writes (the first byte of every record). */
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's random source at once (one call per 256 records instead of one per record). */
const IVS_PER_FILL = 256;

/**
 * One key of the ring. The id is written in clear in every record the key encrypts (that is how a reader
 * picks the key), so it must not be secret; short ids keep records small: `"2025-06"`, `"k7"`.
 */
export interface EncryptionKey {
  /** Names the key in every record it encrypts: 1-255 characters from `A-Z a-z 0-9 . _ -`. */
  id: string;
  /** Exactly 32 bytes of key material, or their base64 (e.g. the output of `openssl rand -base64 32`). */
  key: Uint8Array | string;
}

/** Options of {@link encryptedCodec}. */
export interface EncryptionOptions {
  /**
   * The key ring: the first key encrypts every record written; every key decrypts the records written under
   * its id. Rotate by putting a new key first and removing an old one only once no live session can still be
   * under it (after the absolute timeout). See docs/core.md, "Encryption at rest and compression".
   */
  keys: readonly EncryptionKey[];
}

/** A ring key with its record header (version, id length, id) precomputed. */
interface KeyEntry extends RingKey {
  readonly header: Buffer;
}

/**
 * Wraps `inner` so every record is encrypted with AES-256-GCM, bound to its store key (see the module notes).
 * Throws `ConfigurationError` for a bad key ring.
 *
 * @example
 * ```ts
 * const codec = encryptedCodec(jsonCodec, { keys: [{ id: '2025-06', key: process.env.SESSION_KEY! }] });
 * ```
 */
export function encryptedCodec(inner: Codec, options: EncryptionOptions): Codec {
  const ring: KeyEntry[] = keyRing(options.keys).map((key) => ({ ...key, header: header(key.id) }));
  const entries = new Map(ring.map((entry) => [entry.id, entry]));
  const current = ring[0]!;
  const nextIv = ivSource();
  return {
    name: `${inner.name}+aes-256-gcm`,
    encode(record: SessionRecord, context: CodecContext): Uint8Array {
      const plain = inner.encode(record, context);
      const iv = nextIv();
      const cipher = createCipheriv(ALGORITHM, current.secret, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(current.header, context.key));
      const body = cipher.update(plain);
      cipher.final(); // GCM is a stream mode: final() only completes the tag and returns no bytes.
      const { length } = current.header;
      const out = new Uint8Array(length + IV_BYTES + body.length + TAG_BYTES);
      out.set(current.header, 0);
      out.set(iv, length);
      out.set(body, length + IV_BYTES);
      out.set(cipher.getAuthTag(), out.length - TAG_BYTES);
      return out;
    },
    decode(data: Uint8Array, context: CodecContext): SessionRecord {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const idLength = bytes[1] ?? 0;
      const start = 2 + idLength;
      if (bytes[0] !== FORMAT_VERSION || idLength === 0 || bytes.length < start + IV_BYTES + TAG_BYTES) {
        throw new DecryptionError('malformed', 'not an encrypted session record (wrong format version, or truncated)', {
          operation: 'decode',
        });
      }
      const id = bytes.toString('latin1', 2, start);
      const entry = entries.get(id);
      if (!entry) {
        const keyId = isValidKeyId(id) ? id : undefined;
        const which = keyId === undefined ? 'a malformed key id' : `key id "${keyId}"`;
        throw new DecryptionError(
          'unknown-key',
          `the record was encrypted under ${which}, which is not in the key ring (retired?)`,
          {
            operation: 'decode',
            keyId,
          },
        );
      }
      const decipher = createDecipheriv(ALGORITHM, entry.secret, bytes.subarray(start, start + IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(entry.header, context.key));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = decipher.update(bytes.subarray(start + IV_BYTES, bytes.length - TAG_BYTES));
      try {
        decipher.final();
      } catch (cause) {
        throw new DecryptionError(
          'authentication',
          `the record failed authentication under key id "${id}": it was altered, or copied from another session's key`,
          { operation: 'decode', keyId: id, cause },
        );
      }
      return inner.decode(plain, context);
    },
  };
}

/** The record header for key `id`: format version, id length, id. */
function header(id: string): Buffer {
  const idBytes = Buffer.from(id, 'latin1');
  return Buffer.concat([Buffer.from([FORMAT_VERSION, idBytes.length]), idBytes]);
}

/** The associated data of a record: its header, then the store key it lives under. */
function associatedData(recordHeader: Buffer, storeKey: string): Buffer {
  const aad = Buffer.allocUnsafe(recordHeader.length + Buffer.byteLength(storeKey));
  recordHeader.copy(aad, 0);
  aad.write(storeKey, recordHeader.length);
  return aad;
}

/**
 * Returns a function that hands out a fresh random IV per call, cut from a batch of random bytes that is
 * refilled once used up (each IV is handed out once; it stays valid until the next refill, and the cipher
 * copies it at once).
 */
function ivSource(): () => Buffer {
  const batch = Buffer.alloc(IV_BYTES * IVS_PER_FILL);
  let next = batch.length;
  return () => {
    if (next === batch.length) {
      randomFillSync(batch);
      next = 0;
    }
    const iv = batch.subarray(next, next + IV_BYTES);
    next += IV_BYTES;
    return iv;
  };
}

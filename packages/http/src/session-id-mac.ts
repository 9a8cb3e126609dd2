/**
 * {@link SessionIdMac}: the HMAC-SHA256 of a session ID, computed without a per-call `createHmac` object.
 * Internal to the package (not exported from its index).
 *
 * @module
 */
import { createHash, hash } from 'node:crypto';
import { SESSION_ID_LENGTH } from '@sessionkit/core';

/** Size of an HMAC-SHA256 digest in bytes. */
export const DIGEST_BYTES = 32;
/** SHA-256 block size in bytes: HMAC pads (or first hashes) the key to one block. */
const BLOCK_BYTES = 64;

/**
 * HMAC-SHA256 (RFC 2104) of a session ID under one secret, built from two one-shot `crypto.hash` calls over
 * buffers that hold the secret's padded blocks, computed once.
 *
 * Every request with a cookie verifies its token, and `createHmac` builds a stream object with a native handle
 * per call; under load that object, and the garbage it leaves, cost several times the hashing itself. The two
 * buffers are reused: a call is synchronous, so nothing else can write them in between. Digests come back as
 * `'binary'` (latin1) strings, one character per byte: the cheapest output `crypto.hash` has (asking it for a
 * Buffer costs more than the hash). Tested against `createHmac` for keys shorter than, equal to and longer
 * than a block.
 */
export class SessionIdMac {
  /** `key ^ ipad` followed by room for the ID. */
  readonly #inner = Buffer.alloc(BLOCK_BYTES + SESSION_ID_LENGTH);
  /** `key ^ opad` followed by room for the inner digest. */
  readonly #outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);

  constructor(secret: Uint8Array) {
    const key = secret.length > BLOCK_BYTES ? createHash('sha256').update(secret).digest() : secret;
    for (let i = 0; i < BLOCK_BYTES; i++) {
      const byte = i < key.length ? key[i]! : 0;
      this.#inner[i] = byte ^ 0x36;
      this.#outer[i] = byte ^ 0x5c;
    }
  }

  /** The MAC of `id` (an ASCII session ID of {@link SESSION_ID_LENGTH} characters) in `encoding`. */
  digest(id: string, encoding: 'base64url' | 'binary'): string {
    this.#inner.write(id, BLOCK_BYTES, SESSION_ID_LENGTH, 'latin1');
    this.#outer.write(hash('sha256', this.#inner, 'binary'), BLOCK_BYTES, DIGEST_BYTES, 'latin1');
    return hash('sha256', this.#outer, encoding);
  }
}

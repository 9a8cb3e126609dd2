/**
 * The key ring of the encryption layer: validation of the configured keys ({@link EncryptionKey}): ids of
 * 1-255 characters from `A-Z a-z 0-9 . _ -`, unique; key material of exactly 32 bytes (AES-256), given as
 * bytes or as their base64. Internal to the package: its types mention node:crypto, which the published type
 * declarations of `@sessionkit/core` must not depend on.
 *
 * @module
 */

import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';
import type { EncryptionKey } from './codec-encryption.js';
import { ConfigurationError } from './errors.js';

/** Bytes of an AES-256 key. */
const ENCRYPTION_KEY_BYTES = 32;

/** The characters and length a key id may have. */
const KEY_ID = /^[A-Za-z0-9._-]{1,255}$/;
/** Base64 (standard or URL alphabet, padding optional) of 32 bytes: 43 characters and an optional `=`. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** A validated key: its id and its material, held as a `KeyObject` (never printed by `util.inspect`). */
export interface RingKey {
  /** The key id. */
  readonly id: string;
  /** The key material. */
  readonly secret: KeyObject;
}

/** Whether `id` is a well-formed key id (see the module notes). */
export function isValidKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/**
 * Validates `keys` and returns them in the same order: at least one, ids well-formed and unique, each key
 * exactly 32 bytes. Throws {@link ConfigurationError} naming the offending id (never the key material).
 */
export function keyRing(keys: readonly EncryptionKey[]): readonly RingKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigurationError('encryption needs at least one key: `keys: [{ id, key }]` (the first one encrypts)');
  }
  const seen = new Set<string>();
  return keys.map(({ id, key }, index) => {
    if (typeof id !== 'string' || !isValidKeyId(id)) {
      throw new ConfigurationError(
        `encryption key #${index + 1}: the id must be 1-255 characters from A-Z a-z 0-9 . _ -`,
      );
    }
    if (seen.has(id)) throw new ConfigurationError(`encryption key id "${id}" is used twice`);
    seen.add(id);
    return { id, secret: createSecretKey(keyBytes(id, key)) };
  });
}

/** The 32 bytes of `key`, decoded from base64 if it is a string. */
function keyBytes(id: string, key: Uint8Array | string): Uint8Array {
  if (typeof key === 'string') {
    if (!BASE64_KEY.test(key)) {
      throw new ConfigurationError(
        `encryption key "${id}": a string key must be the base64 of ${ENCRYPTION_KEY_BYTES} bytes`,
      );
    }
    return Buffer.from(key, 'base64');
  }
  if (!(key instanceof Uint8Array) || key.byteLength !== ENCRYPTION_KEY_BYTES) {
    throw new ConfigurationError(`encryption key "${id}": the key must be exactly ${ENCRYPTION_KEY_BYTES} bytes`);
  }
  return key;
}

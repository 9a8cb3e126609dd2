/**
 * {@link LegacyClaims}: the records in the SessionKit store that make the adoption of one express-session
 * session happen once, across every process (the old store has no compare-and-set; the SessionKit store has
 * insert-if-absent and compare-and-set on every backend).
 *
 * One claim per legacy session, created with `store.create` (insert-if-absent) before the new session is
 * stored. It names the new session's ID, chosen by the request that created it; every request presenting the
 * same legacy cookie, on any process, reads the same ID and so ends up with the same session. Its `version`
 * is its state: 1 = claimed (the session may not be stored yet), 2 = settled (the session was handed to a
 * client; if it is gone later, it was logged out or expired, and is never recreated).
 *
 * What a store dump reveals: nothing usable. The record's key and its encryption key are derived with HKDF-SHA256
 * from the legacy sid and the old secret that signed the cookie (label `sessionkit/legacy-claim/v1`), so only
 * someone holding a valid legacy cookie, or the sid and the old secret, can find or read a claim; the new ID is
 * AES-256-GCM encrypted (random 96-bit IV, the format byte and the record key as associated data, so a claim
 * copied under another key does not decrypt). Record: `01 | IV (12) | ciphertext (32) | tag (16)`, 61 bytes.
 * Internal to the package (not exported from its index).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ReadOptions, SessionStore, StoredSession } from '@sessionkit/core';
import { isValidSessionId, SESSION_ID_BYTES } from '@sessionkit/core';

/** HKDF label: separates these keys from any other use of the sid or the secret. */
const LABEL = 'sessionkit/legacy-claim/v1';
const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const RECORD_BYTES = 1 + IV_BYTES + SESSION_ID_BYTES + TAG_BYTES;
const STRONG: ReadOptions = Object.freeze({ consistency: 'strong' });
/** Claim versions (see the module notes). */
const CLAIMED = 1;
const SETTLED = 2;

/** The store key of one legacy session's claim and the key its content is encrypted with. */
export interface ClaimKeys {
  /** Store key, 43 base64url characters like a session's store key. */
  key: string;
  /** AES-256 key. */
  cipherKey: Buffer;
}

/** One claim as read or written by this request. */
export interface LegacyClaim {
  /** The raw ID of the session the legacy session becomes. */
  id: string;
  /** Whether this request created the claim (then no session can be stored under `id` before this request stores it, except by a request that read this claim). */
  fresh: boolean;
  /** Whether the session was already handed to a client (version 2). */
  settled: boolean;
  /** @internal The record, for the compare-and-set of {@link LegacyClaims.settle}. */
  record: StoredSession;
  /** @internal Its store key. */
  key: string;
}

/** Claims of one SessionKit store. */
export class LegacyClaims {
  readonly #store: SessionStore;
  readonly #onCorrupt: (key: string) => void;

  /** `onCorrupt` hears of a claim that does not decrypt (tampered or copied in the store); it reads as missing. */
  constructor(store: SessionStore, onCorrupt: (key: string) => void) {
    this.#store = store;
    this.#onCorrupt = onCorrupt;
  }

  /** The claim keys of a legacy session, from its sid and the old secret that signed its cookie. */
  keysFor(sid: string, secret: Uint8Array): ClaimKeys {
    const okm = Buffer.from(hkdfSync('sha256', Buffer.from(sid, 'utf8'), secret, LABEL, 64));
    return { key: okm.subarray(0, 32).toString('base64url'), cipherKey: okm.subarray(32) };
  }

  /**
   * Claims the legacy session for a new session `id`, until `expiresAt`: resolves that claim (`fresh`) if no
   * claim existed, else the existing one (another request, on any process, claimed it first), or `null` if that
   * one has just expired or does not decrypt.
   */
  async claim(keys: ClaimKeys, id: string, expiresAt: number): Promise<LegacyClaim | null> {
    const record: StoredSession = { data: seal(keys, id), version: CLAIMED, expiresAt };
    if (await this.#store.create(keys.key, record)) return { id, fresh: true, settled: false, record, key: keys.key };
    return this.read(keys);
  }

  /** The claim of a legacy session (strong read), or `null` if there is none or it does not decrypt. */
  async read(keys: ClaimKeys): Promise<LegacyClaim | null> {
    const record = await this.#store.get(keys.key, STRONG);
    if (record === null) return null;
    const id = open(keys, record.data);
    if (id === undefined) {
      this.#onCorrupt(keys.key);
      return null;
    }
    return { id, fresh: false, settled: record.version >= SETTLED, record, key: keys.key };
  }

  /**
   * Marks a claimed session as handed out (compare-and-set from version 1 to 2, same content and expiry).
   * Resolves `true` for the one request that settles it, `false` if another did (or the claim expired).
   */
  settle(claim: LegacyClaim): Promise<boolean> {
    const { data, expiresAt } = claim.record;
    return this.#store.update(claim.key, { data, version: SETTLED, expiresAt }, CLAIMED);
  }
}

/** The associated data of a claim: the format byte and the record's store key. */
function associatedData(keys: ClaimKeys): Buffer {
  return Buffer.concat([Buffer.of(FORMAT), Buffer.from(keys.key, 'latin1')]);
}

/** The record content for `id`. */
function seal(keys: ClaimKeys, id: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.cipherKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(keys));
  const body = Buffer.concat([cipher.update(Buffer.from(id, 'base64url')), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, body, cipher.getAuthTag()]);
}

/** The ID in a record, or `undefined` if it is malformed or fails authentication. */
function open(keys: ClaimKeys, data: Uint8Array): string | undefined {
  if (data.byteLength !== RECORD_BYTES || data[0] !== FORMAT) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tagAt = RECORD_BYTES - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.cipherKey, bytes.subarray(1, 1 + IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(associatedData(keys));
    decipher.setAuthTag(bytes.subarray(tagAt));
    const id = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, tagAt)), decipher.final()]).toString(
      'base64url',
    );
    return isValidSessionId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

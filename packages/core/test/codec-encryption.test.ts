import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Codec,
  ConfigurationError,
  DecryptionError,
  encryptedCodec,
  generateSessionId,
  hashSessionId,
  jsonCodec,
  SessionKitError,
  type SessionRecord,
} from '../src/index.js';

const MARKER = 'plaintext-marker-7f3a9c';
const record: SessionRecord = {
  createdAt: 1_700_000_000_000,
  attributes: { note: MARKER, when: new Date(7), n: [1, 2] },
};
const context = { key: hashSessionId(generateSessionId()) };
const oldKey = { id: 'old', key: randomBytes(32) };
const newKey = { id: 'new', key: randomBytes(32).toString('base64') };

/** The error `codec.decode` throws for `bytes`, asserted to be a DecryptionError. */
function decryptionError(codec: Codec, bytes: Uint8Array, ctx = context): DecryptionError {
  try {
    codec.decode(bytes, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptionError);
    return error as DecryptionError;
  }
  throw new Error('decode succeeded');
}

describe('encryptedCodec', () => {
  const codec = encryptedCodec(jsonCodec, { keys: [oldKey] });

  it('round-trips a record, with keys given as bytes or as base64', () => {
    expect(codec.decode(codec.encode(record, context), context)).toEqual(record);
    const fromBase64 = encryptedCodec(jsonCodec, { keys: [newKey] });
    expect(fromBase64.decode(fromBase64.encode(record, context), context)).toEqual(record);
    expect(codec.name).toBe('json+aes-256-gcm');
  });

  it('writes [version 1][id length][id][12-byte IV][ciphertext][16-byte tag], with no plaintext in it', () => {
    const plain = jsonCodec.encode(record);
    const bytes = Buffer.from(codec.encode(record, context));
    expect([...bytes.subarray(0, 5)]).toEqual([1, 3, ...Buffer.from('old')]);
    expect(bytes.length).toBe(5 + 12 + plain.byteLength + 16);
    expect(bytes.includes(MARKER)).toBe(false);
    expect(bytes.includes('note')).toBe(false);
  });

  it('uses a fresh IV per record: the same record encrypts differently every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add(Buffer.from(codec.encode(record, context)).subarray(5, 17).toString('hex'));
    expect(seen.size).toBe(600);
  });

  it('rotation: a new key first encrypts; records under the old key still read while it stays in the ring', () => {
    const underOld = codec.encode(record, context);
    const rotated = encryptedCodec(jsonCodec, { keys: [newKey, oldKey] });
    expect(rotated.decode(underOld, context)).toEqual(record);
    const underNew = rotated.encode(record, context);
    expect(Buffer.from(underNew).subarray(2, 5).toString()).toBe('new');
    const retired = encryptedCodec(jsonCodec, { keys: [newKey] });
    expect(retired.decode(underNew, context)).toEqual(record);
    const error = decryptionError(retired, underOld);
    expect(error).toMatchObject({ code: 'DECRYPTION', reason: 'unknown-key', keyId: 'old', retryable: false });
    expect(error.message).toMatch(/key id "old", which is not in the key ring/);
  });

  it('refuses a record copied under another store key (the key is bound as associated data)', () => {
    const bytes = codec.encode(record, context);
    const error = decryptionError(codec, bytes, { key: hashSessionId(generateSessionId()) });
    expect(error).toMatchObject({ reason: 'authentication', keyId: 'old' });
    expect(error).toBeInstanceOf(SessionKitError);
  });

  it('refuses a key id reused for other key material', () => {
    const bytes = codec.encode(record, context);
    const impostor = encryptedCodec(jsonCodec, { keys: [{ id: 'old', key: randomBytes(32) }] });
    expect(decryptionError(impostor, bytes).reason).toBe('authentication');
  });

  it('refuses any changed byte: header, IV, ciphertext or tag', () => {
    const bytes = codec.encode(record, context);
    const reasons = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i]! ^= 0x01;
      reasons.add(decryptionError(codec, tampered).reason);
    }
    // Version or id length: malformed; id: unknown key; IV, ciphertext, tag: authentication.
    expect([...reasons].sort()).toEqual(['authentication', 'malformed', 'unknown-key']);
  });

  it.each([
    ['empty', () => new Uint8Array(0)],
    ['a header only', () => codec.encode(record, context).subarray(0, 5)],
    ['no room for the tag', () => codec.encode(record, context).subarray(0, 5 + 12 + 15)],
    ['another format version', () => Uint8Array.from([2, ...codec.encode(record, context).subarray(1)])],
    ['an unencrypted record', () => jsonCodec.encode(record)],
  ])('refuses %s as malformed', (_, bytes) => {
    expect(decryptionError(codec, bytes()).reason).toBe('malformed');
  });

  it('truncated past the header still fails authentication', () => {
    const bytes = codec.encode(record, context);
    expect(decryptionError(codec, bytes.subarray(0, bytes.length - 1)).reason).toBe('authentication');
  });

  it('names no key material and no plaintext in its errors', () => {
    const bytes = codec.encode(record, context);
    const errors = [
      decryptionError(codec, bytes, { key: 'another' }),
      decryptionError(encryptedCodec(jsonCodec, { keys: [newKey] }), bytes),
      decryptionError(codec, bytes.subarray(0, 3)),
    ];
    const secrets = [oldKey.key.toString('base64'), oldKey.key.toString('hex'), newKey.key, MARKER];
    for (const error of errors) {
      const text = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`;
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  it('does not mistake a malformed key id for a name', () => {
    const bytes = Buffer.from(codec.encode(record, context));
    bytes[2] = 0x0a; // a newline inside the id
    const error = decryptionError(codec, bytes);
    expect(error).toMatchObject({ reason: 'unknown-key', keyId: undefined });
    expect(error.message).toMatch(/a malformed key id/);
  });

  it('accepts base64 in either alphabet, with or without padding, and ids of up to 255 characters', () => {
    const raw = randomBytes(32);
    for (const key of [raw.toString('base64'), raw.toString('base64url'), raw.toString('base64').replace('=', '')]) {
      const a = encryptedCodec(jsonCodec, { keys: [{ id: 'x'.repeat(255), key }] });
      const b = encryptedCodec(jsonCodec, { keys: [{ id: 'x'.repeat(255), key: raw }] });
      expect(b.decode(a.encode(record, context), context)).toEqual(record);
    }
  });

  it.each([
    ['no keys', []],
    ['an empty id', [{ id: '', key: randomBytes(32) }]],
    ['an id of 256 characters', [{ id: 'x'.repeat(256), key: randomBytes(32) }]],
    ['an id with a space', [{ id: 'key one', key: randomBytes(32) }]],
    ['a duplicate id', [oldKey, { id: 'old', key: randomBytes(32) }]],
    ['a 31-byte key', [{ id: 'k', key: randomBytes(31) }]],
    ['a 33-byte key', [{ id: 'k', key: randomBytes(33) }]],
    ['a 16-byte key in base64', [{ id: 'k', key: randomBytes(16).toString('base64') }]],
    ['a hex string key', [{ id: 'k', key: randomBytes(32).toString('hex') }]],
  ])('refuses a key ring with %s, without echoing key material', (_, keys) => {
    let error: unknown;
    try {
      encryptedCodec(jsonCodec, { keys });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    for (const { key } of keys) {
      const text = typeof key === 'string' ? key : key.toString('hex');
      expect((error as Error).message).not.toContain(text);
    }
  });
});

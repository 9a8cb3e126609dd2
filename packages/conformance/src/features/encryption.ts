/**
 * `encryption`: a {@link SessionManager} with `sessionCodec({ compression, encryption })` on the store under
 * test. Sessions round-trip with and without compression; the record the backend hands back holds no
 * plaintext; a record copied under another session's key, and a record under a key retired from the ring,
 * read as a miss with a `corrupt` event carrying a `DecryptionError` (never an exception).
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EncryptionKey, SessionEvents, SessionManager } from '@sessionkit/core';
import { DecryptionError, generateSessionId, hashSessionId, sessionCodec } from '@sessionkit/core';
import { expect } from 'vitest';
import type { Check, CheckContext, Feature } from '../types.js';
import { managerFor } from './session-writes.js';

/** A fresh AES-256 key under `id`. */
function newKey(id: string): EncryptionKey {
  return { id, key: randomBytes(32) };
}

/** A value no backend, test or codec would produce by chance, to search stored bytes for. */
function marker(): string {
  return `skc-plaintext-${randomUUID()}`;
}

/** About 2 KiB of JSON that compresses well, so the compression layer takes part. */
function cart(): { sku: string; qty: number; title: string }[] {
  return Array.from({ length: 40 }, (_, i) => ({
    sku: `SKU-${1000 + i}`,
    qty: (i % 4) + 1,
    title: `Item number ${i}`,
  }));
}

/** A manager on the store under test with `keys` (first encrypts) and compression on or off. */
function encryptingManager(
  context: CheckContext,
  keys: EncryptionKey[],
  compression = true,
): { manager: SessionManager; corrupt: SessionEvents['corrupt'][] } {
  const codec = sessionCodec({ compression: compression ? {} : false, encryption: { keys } });
  const { manager } = managerFor(context, { codec });
  const corrupt: SessionEvents['corrupt'][] = [];
  manager.on('corrupt', (event) => corrupt.push(event));
  return { manager, corrupt };
}

/** Creates and commits a session holding `data`; returns it. */
async function storedSession(manager: SessionManager, data: Record<string, unknown>) {
  const session = manager.create();
  for (const [name, value] of Object.entries(data)) session.set(name, value);
  expect((await manager.commit(session)).status, 'commit of a new session').toBe('created');
  return session;
}

/** Asserts exactly one `corrupt` event for `key`, carrying a DecryptionError for `reason`. */
function expectDecryptionEvent(
  corrupt: SessionEvents['corrupt'][],
  key: string,
  reason: DecryptionError['reason'],
): void {
  expect(corrupt.length, 'corrupt events').toBe(1);
  const [event] = corrupt;
  expect(event!.key, 'key of the corrupt event').toBe(key);
  expect(event!.error, 'error of the corrupt event').toBeInstanceOf(DecryptionError);
  expect((event!.error as DecryptionError).reason, 'DecryptionError.reason').toBe(reason);
}

/** Create, update and load through the encrypting codec, with and without compression. */
export const roundTripCheck: Check = {
  id: 'round-trip',
  title: 'sessions round-trip through create, update and load (compress-then-encrypt, and encrypt only)',
  async run(context) {
    for (const compression of [true, false]) {
      const { manager, corrupt } = encryptingManager(context, [newKey('k1')], compression);
      const note = marker();
      const session = await storedSession(manager, { note, cart: cart(), since: new Date(1_700_000_000_000) });
      const loaded = await manager.load(session.id);
      expect(loaded?.get('note'), `attribute after load (compression ${compression})`).toBe(note);
      expect(loaded?.get('since'), 'Date attribute').toEqual(new Date(1_700_000_000_000));
      loaded!.set('cart', [...cart(), { sku: 'SKU-NEW', qty: 1, title: 'new' }]);
      expect((await manager.commit(loaded!)).status, 'commit of a change').toBe('updated');
      const again = await manager.load(session.id, { consistency: 'strong' });
      expect((again?.get('cart') as unknown[] | undefined)?.length, 'cart length after update').toBe(41);
      expect(corrupt, 'corrupt events').toEqual([]);
    }
  },
};

/** What the backend holds is ciphertext: the plaintext marker and attribute names are nowhere in it. */
export const noPlaintextCheck: Check = {
  id: 'no-plaintext',
  title: 'the stored record holds no plaintext: no attribute value or name in the bytes the backend returns',
  async run(context) {
    for (const compression of [true, false]) {
      const { manager } = encryptingManager(context, [newKey('k1')], compression);
      const note = marker();
      const session = await storedSession(manager, { note, cart: cart() });
      const stored = await context.store.get(session.key, { consistency: 'strong' });
      expect(stored, 'stored record').not.toBeNull();
      const bytes = Buffer.from(stored!.data);
      expect(bytes.includes(note), `marker in the stored bytes (compression ${compression})`).toBe(false);
      expect(bytes.includes('SKU-10'), 'a cart value in the stored bytes').toBe(false);
      expect(bytes.includes('"note"'), 'an attribute name in the stored bytes').toBe(false);
    }
  },
};

/** A record copied under another session's key does not decrypt there: the store key is bound as associated data. */
export const copiedRecordCheck: Check = {
  id: 'copied-record',
  title: 'a record copied under another session key reads as a miss with a corrupt event (DecryptionError)',
  async run(context) {
    const { manager, corrupt } = encryptingManager(context, [newKey('k1')]);
    const session = await storedSession(manager, { note: marker(), role: 'admin' });
    const raw = await context.store.get(session.key, { consistency: 'strong' });
    expect(raw, 'stored record').not.toBeNull();
    const otherId = generateSessionId();
    const otherKey = context.track(hashSessionId(otherId));
    expect(await context.store.create(otherKey, raw!), 'create of the copy').toBe(true);
    expect(await manager.load(otherId, { consistency: 'strong' }), 'load of the copy').toBeNull();
    expectDecryptionEvent(corrupt, otherKey, 'authentication');
    expect((await manager.load(session.id))?.get('role'), 'the original still loads').toBe('admin');
  },
};

/** Rotation: a prepended key encrypts, the old one still decrypts; once removed, its records read as a miss. */
export const retiredKeyCheck: Check = {
  id: 'retired-key',
  title: 'rotation: old records read while their key is in the ring; under a retired key, a miss with a corrupt event',
  async run(context) {
    const k1 = newKey('k1');
    const k2 = newKey('k2');
    const before = encryptingManager(context, [k1]);
    const kept = await storedSession(before.manager, { note: 'rewritten after rotation' });
    const left = await storedSession(before.manager, { note: 'never rewritten' });
    const rotated = encryptingManager(context, [k2, k1]);
    const loaded = await rotated.manager.load(kept.id);
    expect(loaded?.get('note'), 'a k1 record read with [k2, k1]').toBe('rewritten after rotation');
    loaded!.set('visits', 2);
    expect((await rotated.manager.commit(loaded!)).status, 'rewrite under k2').toBe('updated');
    const retired = encryptingManager(context, [k2]);
    expect((await retired.manager.load(kept.id))?.get('visits'), 'the rewritten record read with [k2]').toBe(2);
    expect(await retired.manager.load(left.id, { consistency: 'strong' }), 'a k1 record read with [k2]').toBeNull();
    expectDecryptionEvent(retired.corrupt, left.key, 'unknown-key');
    expect((retired.corrupt[0]!.error as DecryptionError).keyId, 'DecryptionError.keyId').toBe('k1');
    expect(rotated.corrupt, 'corrupt events with both keys in the ring').toEqual([]);
  },
};

/** Feature `encryption`. */
export const encryption: Feature = {
  id: 'encryption',
  title: 'encryption at rest (SessionManager with sessionCodec on this store)',
  concurrent: true,
  checks: [roundTripCheck, noPlaintextCheck, copiedRecordCheck, retiredKeyCheck],
};

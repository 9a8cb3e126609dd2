import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Codec,
  DecryptionError,
  generateSessionId,
  hashSessionId,
  jsonCodec,
  ManualClock,
  MemoryStore,
  type SessionEvents,
  SessionManager,
  type SessionRecord,
  sessionCodec,
} from '../src/index.js';

const MARKER = 'plaintext-marker-5be21d';
const context = { key: hashSessionId(generateSessionId()) };
const key1 = { id: 'k1', key: randomBytes(32) };
const key2 = { id: 'k2', key: randomBytes(32) };

/** About 10 KiB of compressible JSON: a long cart. */
function bigCart(): Record<string, unknown> {
  return {
    cart: Array.from({ length: 220 }, (_, i) => ({
      sku: `SKU-${1000 + i}`,
      qty: (i % 5) + 1,
      title: `Item number ${i}`,
    })),
  };
}

describe('sessionCodec', () => {
  it('is jsonCodec itself without compression or encryption', () => {
    expect(sessionCodec()).toBe(jsonCodec);
    expect(sessionCodec({ compression: false })).toBe(jsonCodec);
    expect(sessionCodec({ compression: {} }).name).toBe('json+deflate');
  });

  it('stacks serialize → compress → encrypt, compression on by default with encryption', () => {
    expect(sessionCodec({ encryption: { keys: [key1] } }).name).toBe('json+deflate+aes-256-gcm');
    expect(sessionCodec({ encryption: { keys: [key1] }, compression: false }).name).toBe('json+aes-256-gcm');
  });

  it('compresses before it encrypts: a compressible 10 KiB session is stored in far fewer bytes', () => {
    const record: SessionRecord = { createdAt: 1, attributes: bigCart() };
    const plain = jsonCodec.encode(record).byteLength;
    expect(plain).toBeGreaterThan(10 * 1024);
    const codec = sessionCodec({ encryption: { keys: [key1] } });
    const stored = codec.encode(record, context);
    expect(stored.byteLength).toBeLessThan(plain / 4);
    expect(codec.decode(stored, context)).toEqual(record);
    // Without compression the ciphertext is as large as the plaintext plus the header and tag.
    expect(
      sessionCodec({ encryption: { keys: [key1] }, compression: false }).encode(record, context).byteLength,
    ).toBeGreaterThan(plain);
  });

  it('stacks on a custom serializing codec', () => {
    const upper: Codec = {
      name: 'custom',
      encode: (record) => jsonCodec.encode(record),
      decode: (data) => jsonCodec.decode(data),
    };
    const codec = sessionCodec({ codec: upper, encryption: { keys: [key1] } });
    expect(codec.name).toBe('custom+deflate+aes-256-gcm');
    const record: SessionRecord = { createdAt: 1, attributes: { a: 1 } };
    expect(codec.decode(codec.encode(record, context), context)).toEqual(record);
  });
});

describe('encryption through SessionManager on MemoryStore', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new MemoryStore({ clock });

  function manager(keys: { id: string; key: Buffer }[]) {
    const sessions = new SessionManager({
      store,
      clock,
      idleTimeout: 30 * 60_000,
      absoluteTimeout: 8 * 3_600_000,
      codec: sessionCodec({ encryption: { keys } }),
    });
    const corrupt: SessionEvents['corrupt'][] = [];
    sessions.on('corrupt', (event) => corrupt.push(event));
    return { sessions, corrupt };
  }

  async function stored(sessions: SessionManager, data: Record<string, unknown>) {
    const session = sessions.create();
    for (const [name, value] of Object.entries(data)) session.set(name, value);
    await sessions.commit(session);
    return session;
  }

  it('round-trips sessions through create and update; the store holds no plaintext', async () => {
    const { sessions, corrupt } = manager([key1]);
    const session = await stored(sessions, { note: MARKER, ...bigCart(), when: new Date(9) });
    const loaded = await sessions.load(session.id);
    expect(loaded?.get('note')).toBe(MARKER);
    expect(loaded?.get('when')).toEqual(new Date(9));
    loaded!.set('note', `${MARKER}-2`);
    expect((await sessions.commit(loaded!)).status).toBe('updated');
    expect((await sessions.load(session.id))?.get('note')).toBe(`${MARKER}-2`);
    const raw = Buffer.from((await store.get(session.key))!.data);
    expect(raw.includes(MARKER)).toBe(false);
    expect(raw.includes('SKU-')).toBe(false);
    expect(corrupt).toEqual([]);
  });

  it('a record copied under another session key reads as a miss with a corrupt event', async () => {
    const { sessions, corrupt } = manager([key1]);
    const session = await stored(sessions, { note: MARKER });
    const otherId = generateSessionId();
    const otherKey = hashSessionId(otherId);
    expect(await store.create(otherKey, (await store.get(session.key))!)).toBe(true);
    expect(await sessions.load(otherId)).toBeNull();
    expect(corrupt).toHaveLength(1);
    expect(corrupt[0]!.key).toBe(otherKey);
    expect(corrupt[0]!.error).toBeInstanceOf(DecryptionError);
    expect(corrupt[0]!.error).toMatchObject({ reason: 'authentication' });
    expect((await sessions.load(session.id))?.get('note')).toBe(MARKER);
  });

  it('rotation: prepend a key, old sessions still load and are rewritten under the new key; a retired key is a miss', async () => {
    const before = manager([key1]);
    const old = await stored(before.sessions, { note: 'old' });
    const untouched = await stored(before.sessions, { note: 'untouched' });
    const rotated = manager([key2, key1]);
    const loaded = await rotated.sessions.load(old.id);
    expect(loaded?.get('note')).toBe('old');
    loaded!.set('note', 'rewritten');
    await rotated.sessions.commit(loaded!);
    expect(
      Buffer.from((await store.get(old.key))!.data)
        .subarray(2, 4)
        .toString(),
    ).toBe('k2');
    const retired = manager([key2]);
    expect((await retired.sessions.load(old.id))?.get('note')).toBe('rewritten');
    expect(await retired.sessions.load(untouched.id)).toBeNull();
    expect(retired.corrupt).toHaveLength(1);
    expect(retired.corrupt[0]!.error).toMatchObject({ code: 'DECRYPTION', reason: 'unknown-key', keyId: 'k1' });
    expect(rotated.corrupt).toEqual([]);
  });

  it('a tampered record reads as a miss with a corrupt event, never an exception', async () => {
    const { sessions, corrupt } = manager([key1]);
    const session = await stored(sessions, { note: MARKER });
    const record = (await store.get(session.key))!;
    const data = record.data.slice();
    data[data.length - 20]! ^= 0xff;
    expect(await store.update(session.key, { ...record, data, version: 2 }, 1)).toBe(true);
    expect(await sessions.load(session.id)).toBeNull();
    expect(corrupt[0]!.error).toMatchObject({ reason: 'authentication' });
  });
});

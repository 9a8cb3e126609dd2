/**
 * Memcached-specific behaviour against the real servers: CAS on the wire, what the adapter does with values
 * it did not write, memcached's key/size/TTL rules, and the bounded user index.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ConfigurationError,
  generateSessionId,
  hashSessionId,
  MAX_USER_ID_BYTES,
  PayloadTooLargeError,
  SessionLimitError,
  SessionManager,
} from '@sessionkit/core';
import memjs from 'memjs';
import { afterAll, describe, expect, test } from 'vitest';
import { MemcachedSessionStore } from '../src/index.js';
import { MAX_PREFIX_BYTES } from '../src/internal.js';
import { rawDelete, rawSet, rawTtlSeconds, rec, servers } from './helpers.js';

const stores: MemcachedSessionStore[] = [];
const prefixFor = () => `skt-${randomBytes(4).toString('hex')}:`;
function open(options: Partial<ConstructorParameters<typeof MemcachedSessionStore>[0]> = {}) {
  const store = new MemcachedSessionStore({ servers, keyPrefix: prefixFor(), ...options });
  stores.push(store);
  return store;
}
const newKey = () => hashSessionId(generateSessionId());
const newUser = () => `user-${randomUUID()}`;

afterAll(async () => {
  for (const s of stores) await s.close();
});

describe('compare-and-set on the wire', () => {
  test('an update from another process between get and update makes the remembered CAS fail; the version decides', async () => {
    const prefix = prefixFor();
    const a = open({ keyPrefix: prefix });
    const b = open({ keyPrefix: prefix });
    const k = newKey();
    await a.create(k, rec());
    expect((await a.get(k))?.version).toBe(1); // a remembers the CAS of version 1
    expect(await b.update(k, rec({ version: 2, data: new Uint8Array([2]) }), 1)).toBe(true);
    expect(await a.update(k, rec({ version: 2, data: new Uint8Array([9]) }), 1)).toBe(false);
    expect(await a.update(k, rec({ version: 3, data: new Uint8Array([3]) }), 2)).toBe(true);
    expect(await b.get(k)).toMatchObject({ version: 3, data: new Uint8Array([3]) });
  });

  test('a touch between get and update changes the CAS but not the version: the update still lands, with the touched deadline replaced', async () => {
    const prefix = prefixFor();
    const a = open({ keyPrefix: prefix });
    const b = open({ keyPrefix: prefix });
    const k = newKey();
    await a.create(k, rec());
    await a.get(k);
    const touchedTo = Date.now() + 20 * 60_000;
    expect(await b.touch(k, touchedTo)).toBe(true);
    const updatedTo = Date.now() + 30 * 60_000;
    expect(await a.update(k, rec({ version: 2, expiresAt: updatedTo, data: new Uint8Array([5]) }), 1)).toBe(true);
    expect(await b.get(k)).toMatchObject({ version: 2, expiresAt: updatedTo, data: new Uint8Array([5]) });
  });

  test('touch after another process updated uses the fresh data, never the data this process saw', async () => {
    const prefix = prefixFor();
    const a = open({ keyPrefix: prefix });
    const b = open({ keyPrefix: prefix });
    const k = newKey();
    await a.create(k, rec({ data: new Uint8Array([1]) }));
    await a.get(k);
    await b.update(k, rec({ version: 2, data: new Uint8Array([2]) }), 1);
    expect(await a.touch(k, Date.now() + 60_000)).toBe(true);
    expect(await b.get(k)).toMatchObject({ version: 2, data: new Uint8Array([2]) });
  });

  test('mutating the bytes returned by get or passed to create does not leak into a later touch', async () => {
    const s = open();
    const k = newKey();
    const data = new Uint8Array([1, 2, 3]);
    await s.create(k, rec({ data }));
    data[0] = 99;
    const got = await s.get(k);
    got!.data[1] = 99;
    await s.touch(k, Date.now() + 60_000);
    expect((await s.get(k))!.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  test('50 concurrent updates with the same expected version: exactly one wins (with and without the CAS cache)', async () => {
    for (const casCacheMs of [5000, 0]) {
      const s = open({ casCacheMs });
      const k = newKey();
      await s.create(k, rec());
      await s.get(k);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => s.update(k, rec({ version: 2, data: new Uint8Array([i]) }), 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await s.get(k))!.version).toBe(2);
    }
  });
});

describe('values the adapter did not write', () => {
  test('an evicted session reads as logged out: get null, update/touch false, create works again', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const k = newKey();
    await s.create(k, rec());
    await s.get(k);
    await rawDelete(s.serverFor(k), prefix + k);
    expect(await s.get(k)).toBeNull();
    expect(await s.update(k, rec({ version: 2 }), 1)).toBe(false);
    expect(await s.touch(k, Date.now() + 60_000)).toBe(false);
    expect(await rawTtlSeconds(s.serverFor(k), prefix + k)).toBeNull(); // touch did not resurrect it
    expect(await s.create(k, rec())).toBe(true);
  });

  test('a malformed value reads as missing and does not block create', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const k = newKey();
    await rawSet(s.serverFor(k), prefix + k, Buffer.from('{"not":"a SessionKit frame"}'));
    expect(await s.get(k)).toBeNull();
    expect(await s.update(k, rec({ version: 2 }), 1)).toBe(false);
    expect(await s.touch(k, Date.now() + 60_000)).toBe(false);
    expect(await s.delete(k)).toBe(false);
    await rawSet(s.serverFor(k), prefix + k, Buffer.from([0x53, 1, 0]));
    expect(await s.create(k, rec({ data: new Uint8Array([7]) }))).toBe(true);
    expect((await s.get(k))!.data).toEqual(new Uint8Array([7]));
  });

  test('a malformed user index is treated as empty and rewritten', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const user = newUser();
    const k = newKey();
    const indexKey = `${prefix}~user~${hashSessionId(user)}`; // sha256 base64url, like the adapter
    await s.create(k, rec({ userId: user }));
    {
      // Find the server that holds the index (the one where mg sees it).
      let holder: string | undefined;
      for (const addr of servers) if ((await rawTtlSeconds(addr, indexKey)) !== null) holder = addr;
      expect(holder).toBeDefined();
      await rawSet(holder!, indexKey, Buffer.from('garbage'));
      expect(await s.listByUser(user)).toEqual([]);
      const k2 = newKey();
      await s.create(k2, rec({ userId: user }));
      expect((await s.listByUser(user)).map((e) => e.key)).toEqual([k2]);
    }
  });
});

describe("memcached's limits", () => {
  test('TTL over 30 days is sent as an absolute time: the item lives, with the right remaining TTL', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const k = newKey();
    const expiresAt = Date.now() + 40 * 86_400_000;
    await s.create(k, rec({ expiresAt }));
    expect((await s.get(k))!.expiresAt).toBe(expiresAt);
    const ttl = await rawTtlSeconds(s.serverFor(k), prefix + k);
    expect(ttl).not.toBeNull();
    expect(Math.abs(ttl! - 40 * 86_400)).toBeLessThanOrEqual(3);
    await s.touch(k, Date.now() + 31 * 86_400_000);
    expect(Math.abs((await rawTtlSeconds(s.serverFor(k), prefix + k))! - 31 * 86_400)).toBeLessThanOrEqual(3);
  });

  test('the longest prefix works with 43-character keys; a key that would exceed 250 bytes is refused before sending', async () => {
    const s = open({ keyPrefix: 'p'.repeat(MAX_PREFIX_BYTES) });
    const k = newKey();
    const user = newUser();
    expect(await s.create(k, rec({ userId: user }))).toBe(true);
    expect((await s.listByUser(user)).map((e) => e.key)).toEqual([k]);
    await expect(s.get('k'.repeat(60))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(s.create('k'.repeat(60), rec())).rejects.toMatchObject({ store: 'memcached', operation: 'create' });
    expect(await s.deleteByUser(user)).toBe(1);
  });

  test('a payload of exactly maxPayloadBytes with the longest userId and prefix fits a default 1 MB server', async () => {
    const s = open({ keyPrefix: 'p'.repeat(MAX_PREFIX_BYTES) });
    const k = newKey();
    const user = 'u'.repeat(MAX_USER_ID_BYTES);
    const data = randomBytes(s.capabilities.maxPayloadBytes);
    expect(await s.create(k, rec({ data, userId: user }))).toBe(true);
    const got = await s.get(k);
    expect(Buffer.from(got!.data).equals(data)).toBe(true);
    expect(await s.update(k, rec({ version: 2, data, userId: user }), 1)).toBe(true);
    await s.deleteByUser(user);
  });

  test('one byte more fails with PayloadTooLargeError before anything is sent', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const k = newKey();
    const error = await s.create(k, rec({ data: new Uint8Array(s.capabilities.maxPayloadBytes + 1) })).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ store: 'memcached', operation: 'create', limit: s.capabilities.maxPayloadBytes });
    expect(await rawTtlSeconds(s.serverFor(k), prefix + k)).toBeNull();
  });

  test('a server with a smaller item limit than configured answers E2BIG, reported as PayloadTooLargeError', async () => {
    // Claim 4 MB items against 1 MB servers: the check before sending passes, memcached refuses.
    const s = open({ maxItemBytes: 4 * 1024 * 1024 });
    const k = newKey();
    const error = await s.create(k, rec({ data: new Uint8Array(2 * 1024 * 1024) })).catch((e) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(await s.get(k)).toBeNull();
  });

  test('a userId longer than 256 bytes, or empty, is refused before anything is sent', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const k = newKey();
    await expect(s.create(k, rec({ userId: 'x'.repeat(MAX_USER_ID_BYTES + 1) }))).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(s.create(k, rec({ userId: '' }))).rejects.toMatchObject({
      code: 'CONFIGURATION',
      operation: 'create',
    });
    await expect(s.listByUser('')).rejects.toMatchObject({ code: 'CONFIGURATION', operation: 'listByUser' });
    await expect(s.deleteByUser('')).rejects.toMatchObject({ code: 'CONFIGURATION', operation: 'deleteByUser' });
    expect(await rawTtlSeconds(s.serverFor(k), prefix + k)).toBeNull();
  });
});

describe('user index', () => {
  test('the store refuses a session beyond maxSessionsPerUser (SessionLimitError, nothing stored); room comes back after a logout', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix, maxSessionsPerUser: 3 });
    expect(s.capabilities.maxSessionsPerUser).toBe(3);
    const user = newUser();
    const keys = [newKey(), newKey(), newKey()];
    for (const k of keys) expect(await s.create(k, rec({ userId: user }))).toBe(true);
    const extra = newKey();
    const error = await s.create(extra, rec({ userId: user })).catch((e) => e);
    expect(error).toBeInstanceOf(SessionLimitError);
    expect(error).toMatchObject({ limit: 3, store: 'memcached', operation: 'create' });
    expect(await s.get(extra)).toBeNull();
    expect(await rawTtlSeconds(s.serverFor(extra), prefix + extra)).toBeNull();
    // The store evicts nothing: every earlier session is still there.
    for (const k of keys) expect(await s.get(k)).not.toBeNull();
    // A logout leaves a dead entry with a future hint: the full index is verified and it is pruned.
    await s.delete(keys[0]!);
    expect(await s.create(extra, rec({ userId: user }))).toBe(true);
    expect((await s.listByUser(user)).map((e) => e.key).sort()).toEqual([keys[1]!, keys[2]!, extra].sort());
    await s.deleteByUser(user);
  });

  test('through a SessionManager the oldest session is evicted (a destroyed event), so logins beyond the bound succeed', async () => {
    const s = open({ maxSessionsPerUser: 3 });
    const manager = new SessionManager({ store: s, idleTimeout: 10 * 60_000, absoluteTimeout: 60 * 60_000 });
    const destroyed: { key: string; reason: string }[] = [];
    manager.on('destroyed', (event) => destroyed.push(event));
    const user = newUser();
    const sessions = [];
    for (let i = 0; i < 4; i++) {
      sessions.push(await manager.regenerate(manager.create(), { userId: user }));
      // Distinct deadlines: the manager evicts by the earliest expiresAt.
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await manager.load(sessions[0]!.id)).toBeNull();
    expect(destroyed).toEqual([{ key: sessions[0]!.key, reason: 'limit' }]);
    expect((await s.listByUser(user)).map((e) => e.key).sort()).toEqual(
      sessions
        .slice(1)
        .map((x) => x.key)
        .sort(),
    );
    expect(await s.deleteByUser(user)).toBe(3);
  });

  test('an expired session is pruned from the index item on the next write', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    const user = newUser();
    const short = newKey();
    await s.create(short, rec({ userId: user, expiresAt: Date.now() + 1200 }));
    await new Promise((r) => setTimeout(r, 1300));
    const k = newKey();
    await s.create(k, rec({ userId: user }));
    {
      const indexKey = `${prefix}~user~${hashSessionId(user)}`;
      let doc: string | undefined;
      for (const addr of servers) {
        const c = memjs.Client.create(addr, { logger: { log: () => {} } });
        const { value } = await c.get(indexKey);
        c.close();
        if (value) doc = value.toString();
      }
      const parsed = JSON.parse(doc!) as { e: [string, number][] };
      expect(parsed.e.map(([key]) => key)).toEqual([k]);
    }
  });

  test('extending a session past the index lifetime extends the index item too', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix, userIndexGraceMs: 1000 });
    const user = newUser();
    const k = newKey();
    await s.create(k, rec({ userId: user, expiresAt: Date.now() + 5_000 }));
    const indexKey = `${prefix}~user~${hashSessionId(user)}`;
    const ttlOfIndex = async () => {
      for (const addr of servers) {
        const t = await rawTtlSeconds(addr, indexKey);
        if (t !== null) return t;
      }
      return null;
    };
    expect(await ttlOfIndex()).toBeLessThanOrEqual(7);
    await s.touch(k, Date.now() + 120_000);
    expect(await ttlOfIndex()).toBeGreaterThanOrEqual(120);
    await s.update(k, rec({ version: 2, userId: user, expiresAt: Date.now() + 300_000 }), 1);
    expect(await ttlOfIndex()).toBeGreaterThanOrEqual(300);
    expect(await s.listByUser(user)).toHaveLength(1);
    await s.deleteByUser(user);
  });

  test('update keeps the userId set at create even if the caller passes another', async () => {
    const s = open();
    const user = newUser();
    const k = newKey();
    await s.create(k, rec({ userId: user }));
    await s.update(k, rec({ version: 2, userId: 'someone-else' }), 1);
    expect((await s.get(k))!.userId).toBe(user);
    expect(await s.listByUser('someone-else')).toEqual([]);
    expect(await s.deleteByUser(user)).toBe(1);
  });
});

describe('clients and servers', () => {
  test('keys spread over the 3 servers and each lives only on the server the ring picks', async () => {
    const prefix = prefixFor();
    const s = open({ keyPrefix: prefix });
    // 30 random keys miss one of the servers about once in 30,000 runs (the smallest arc is ~30% of the
    // ring): draw more (at most 1,000) until every server owns one, so only a ring that never picks a server fails.
    const keys = Array.from({ length: 30 }, () => newKey());
    while (new Set(keys.map((k) => s.serverFor(k))).size < 3 && keys.length < 1_000) keys.push(newKey());
    for (const k of keys) await s.create(k, rec());
    const used = new Set(keys.map((k) => s.serverFor(k)));
    expect(used.size).toBe(3);
    for (const k of keys.slice(0, 6)) {
      for (const addr of servers) {
        const present = (await rawTtlSeconds(addr, prefix + k)) !== null;
        expect(present).toBe(addr === s.serverFor(k));
      }
    }
  });

  test('an existing memjs client is used and not closed by close()', async () => {
    const client = memjs.Client.create(servers.join(','), { logger: { log: () => {} } });
    try {
      const s = new MemcachedSessionStore({ client, keyPrefix: prefixFor() });
      const k = newKey();
      await s.create(k, rec());
      expect(await s.get(k, { consistency: 'strong' })).not.toBeNull();
      await s.close();
      await client.set(`probe-${randomUUID()}`, 'x', { expires: 10 });
    } finally {
      client.close();
    }
  });
});

/**
 * Swapping an express-session app's store for the bridge without logging anyone out, end to end with the real
 * packages: the app (`fixtures/burst-server.ts`, its `/es` routes) first runs with express-session on the old
 * store (connect-redis 9 on Redis, then connect-memcached 3 on memcached), users log in and fill carts; then
 * three processes of the same app run with express-session on `expressSessionStore(redisStore, { legacy })`.
 * The same cookie jars are still logged in with the same carts, each session moved once under its hashed key
 * (and deleted from the old store), an expired legacy record gives an anonymous session, and parallel first
 * requests of one user on the three processes leave one record with the cart intact.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SessionStore } from '@sessionkit/core';
import { hashSessionId } from '@sessionkit/core';
import type { RedisStore } from 'connect-redis';
import type session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressSessionStore } from '../src/index.js';
import { backends } from './backends.js';
import type { ChildApp } from './child-app.js';
import { startChildApp, stopChildApp } from './child-app.js';
import type { OpenLegacyStore } from './legacy-backends.js';
import { legacyBackends, legacyGet } from './legacy-backends.js';

const FIXTURE = './fixtures/burst-server.ts';
const redis = backends.find((b) => b.name === 'redis')!;

/** Writes a session straight into the old store, bypassing the expiry its `set` derives from the cookie. */
const writeRaw: Record<string, (legacy: session.Store, sid: string, data: object) => Promise<void>> = {
  async 'connect-redis'(legacy, sid, data) {
    const store = legacy as unknown as RedisStore;
    await store.client.set(store.prefix + sid, JSON.stringify(data), { EX: 600 });
  },
  async 'connect-memcached'(legacy, sid, data) {
    // connect-memcached takes its TTL from `cookie.maxAge`, not from `cookie.expires`.
    await new Promise<void>((resolve, reject) =>
      legacy.set(sid, data as session.SessionData, (e) => (e ? reject(e) : resolve())),
    );
  },
};

describe.each(legacyBackends)('swapping $name for the bridge on Redis', (legacyBackend) => {
  const secret = randomBytes(32).toString('base64url');
  const skPrefix = `test:bridge-legacy:${randomBytes(4).toString('hex')}:`;
  const legacyPrefix = `test:bridge-legacy-old:${randomBytes(4).toString('hex')}:`;
  const env = {
    BACKEND: 'redis',
    PREFIX: skPrefix,
    SECRET: secret,
    LEGACY: legacyBackend.name,
    LEGACY_PREFIX: legacyPrefix,
  };
  let apps: ChildApp[] = [];
  let store: SessionStore;
  let closeStore: () => Promise<void>;
  let legacy: OpenLegacyStore;
  /** Cookie jars of the users logged in on the old app, with their carts. */
  const users = new Map<string, { jar: string; cart: number[] }>();

  const post = async (app: ChildApp, path: string, jar?: string) => {
    const response = await fetch(`${app.url}${path}`, { method: 'POST', headers: jar ? { cookie: jar } : {} });
    await response.arrayBuffer();
    return response;
  };
  const state = async (app: ChildApp, jar: string) => {
    const response = await fetch(`${app.url}/es/state`, { headers: { cookie: jar } });
    return {
      body: (await response.json()) as { user: string | null; cart: number[] | null },
      setCookies: response.headers.getSetCookie(),
    };
  };
  const sidOf = (jar: string) => decodeURIComponent(jar.slice('es='.length)).slice(2).split('.')[0]!;
  /** A cookie jar for `sid`, signed as express-session signs it (cookie-signature: HMAC-SHA256, base64 without padding). */
  const jarFor = (sid: string) =>
    `es=${encodeURIComponent(`s:${sid}.${createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '')}`)}`;

  beforeAll(async () => {
    ({ store, close: closeStore } = await redis.open({ prefix: skPrefix }));
    legacy = await legacyBackend.open(legacyPrefix);
    // Before the swap: express-session on the old store. Four users log in and fill their carts.
    const old = await startChildApp(FIXTURE, { ...env, ES_STORE: 'legacy' });
    try {
      for (const [i, user] of ['ann', 'bob', 'cat', 'dan'].entries()) {
        const login = await post(old, `/es/login?user=${user}`);
        expect(login.status).toBe(204);
        const jar = login.headers
          .getSetCookie()
          .find((c) => c.startsWith('es='))!
          .split(';')[0]!;
        const cart = [i, i + 10];
        for (const item of cart) expect((await post(old, `/es/add?item=${item}`, jar)).status).toBe(204);
        expect((await state(old, jar)).body).toEqual({ user, cart });
        users.set(user, { jar, cart });
      }
    } finally {
      await stopChildApp(old);
    }
    // After the swap: three processes of the same app on the bridge, with the old store as `legacy`.
    apps = await Promise.all([1, 2, 3].map(() => startChildApp(FIXTURE, env)));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map(stopChildApp));
    await legacy?.close();
    await closeStore?.();
  }, 60_000);

  it('the same cookie jar is still logged in with the same cart; the session moved once under its hashed key', async () => {
    const { jar, cart } = users.get('ann')!;
    const sid = sidOf(jar);
    expect(await legacyGet(legacy.store, sid), 'in the old store before the first request').not.toBeNull();
    expect((await state(apps[0]!, jar)).body).toEqual({ user: 'ann', cart });
    const record = await store.get(hashSessionId(sid));
    expect(record?.version, 'one record, created once').toBe(1);
    expect(await store.get(sid), 'never under the raw sid').toBeNull();
    expect(await legacyGet(legacy.store, sid), 'deleted from the old store').toBeNull();
    // Every process now reads the moved session; a change is saved as usual.
    for (const app of apps) expect((await state(app, jar)).body).toEqual({ user: 'ann', cart });
    expect((await post(apps[1]!, '/es/add?item=99', jar)).status).toBe(204);
    expect((await state(apps[2]!, jar)).body).toEqual({ user: 'ann', cart: [...cart, 99] });
  });

  it('parallel first requests of one user on the three processes: one surviving record, cart intact', async () => {
    for (const user of ['bob', 'cat']) {
      const { jar, cart } = users.get(user)!;
      const replies = await Promise.all(Array.from({ length: 9 }, (_, i) => state(apps[i % 3]!, jar)));
      for (const reply of replies) {
        expect(reply.body, `${user}: every parallel first request sees the session`).toEqual({ user, cart });
        expect(reply.setCookies, 'no new session cookie').toEqual([]);
      }
      const record = await store.get(hashSessionId(sidOf(jar)));
      expect(record?.version, `${user}: moved exactly once`).toBe(1);
      expect(JSON.parse(new TextDecoder().decode(record!.data))).toMatchObject({ user, cart });
      expect(await legacyGet(legacy.store, sidOf(jar))).toBeNull();
    }
  });

  it('three bridges (one per process) racing on 20 first reads each: every read gets the session, each moved once', async () => {
    const bridges = [1, 2, 3].map(() => expressSessionStore(store, { legacy: legacy.store }));
    const cookie = {
      originalMaxAge: 600_000,
      maxAge: 600_000,
      expires: new Date(Date.now() + 600_000).toISOString(),
      path: '/',
    };
    for (let round = 0; round < 20; round++) {
      const sid = randomBytes(24).toString('base64url');
      await writeRaw[legacyBackend.name]!(legacy.store, sid, { cookie, user: `racer${round}`, cart: [round] });
      const reads = await Promise.all(bridges.flatMap((bridge) => [bridge.get(sid), bridge.get(sid)]));
      for (const read of reads) expect(read, `round ${round}`).toMatchObject({ user: `racer${round}`, cart: [round] });
      expect((await store.get(hashSessionId(sid)))?.version, `round ${round}: created once`).toBe(1);
      expect(await legacyGet(legacy.store, sid)).toBeNull();
    }
  });

  it('a claimant that died between its claim and the record: after retry.timeoutMs another request moves the session', async () => {
    const sid = randomBytes(24).toString('base64url');
    const cookie = {
      originalMaxAge: 600_000,
      maxAge: 600_000,
      expires: new Date(Date.now() + 600_000).toISOString(),
      path: '/',
    };
    await writeRaw[legacyBackend.name]!(legacy.store, sid, { cookie, user: 'zoe', cart: [5] });
    // The claim as a request that died right after writing it left it (see express-session-read-through.ts).
    await store.create(hashSessionId(`legacy-claim ${sid}`), {
      data: new Uint8Array(0),
      version: 1,
      expiresAt: Date.now() + 600_000,
    });
    const bridge = expressSessionStore(store, { legacy: legacy.store, retry: { timeoutMs: 200 } });
    const started = performance.now();
    expect(await bridge.get(sid)).toMatchObject({ user: 'zoe', cart: [5] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect((await store.get(hashSessionId(sid)))?.version).toBe(1);
    expect(await legacyGet(legacy.store, sid)).toBeNull();
  });

  it('an expired legacy record (by its cookie.expires) gives an anonymous session and is not moved', async () => {
    const sid = randomBytes(24).toString('base64url');
    const cookie = {
      originalMaxAge: 600_000,
      maxAge: 600_000,
      expires: new Date(Date.now() - 60_000).toISOString(),
      httpOnly: true,
      path: '/',
    };
    await writeRaw[legacyBackend.name]!(legacy.store, sid, { cookie, user: 'eve', cart: [7] });
    expect(await legacyGet(legacy.store, sid), 'still in the old store').not.toBeNull();
    expect((await state(apps[0]!, jarFor(sid))).body).toEqual({ user: null, cart: null });
    expect(await store.get(hashSessionId(sid))).toBeNull();
    await new Promise<void>((resolve) => legacy.store.destroy(sid, () => resolve()));
  });

  it('legacyDestroy: false moves the session and leaves the old record; after a logout it is never moved back', async () => {
    const { jar, cart } = users.get('dan')!;
    const sid = sidOf(jar);
    const bridge = expressSessionStore(store, { legacy: legacy.store, legacyDestroy: false });
    expect(await bridge.get(sid)).toMatchObject({ user: 'dan', cart });
    expect((await store.get(hashSessionId(sid)))?.version).toBe(1);
    expect(await legacyGet(legacy.store, sid), 'left in the old store').toMatchObject({ user: 'dan' });
    await bridge.destroy(sid);
    expect(await bridge.get(sid), 'logged out stays logged out').toBeNull();
    expect((await state(apps[0]!, jar)).body).toEqual({ user: null, cart: null });
    expect(await store.get(hashSessionId(sid))).toBeNull();
  });
});

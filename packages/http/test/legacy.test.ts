/**
 * The `legacy` option in one process: the basic adoption on every binding (Express, Fastify, node:http) from
 * cookies issued by the real express-session on connect-redis (real Redis), and then, on Express, each order of
 * events the adopter handles (a winner that crashed after its claim or before settling it, parallel requests,
 * logout after adoption, `destroy: false`), what a request without a legacy cookie costs (no store call), the
 * outage policy, and what a claim reveals in the store. The multi-process run is `legacy-e2e.test.ts`.
 */

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { CountingStore } from '@sessionkit/conformance';
import { countingStore } from '@sessionkit/conformance';
import type { SessionStore } from '@sessionkit/core';
import { hashSessionId, MemoryStore, SessionManager, StoreUnavailableError } from '@sessionkit/core';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegacyOptions } from '../src/index.js';
import type { Data, Harness, Reply } from './helpers.js';
import { bindings, expressBinding, SECRET, send } from './helpers.js';
import type { OpenLegacyStore } from './legacy-backends.js';
import { legacyBackend, legacyGet } from './legacy-backends.js';

const require = createRequire(import.meta.url);
const { sign } = require('cookie-signature') as { sign(value: string, secret: string): string };

const OLD_SECRET = 'the-old-express-session-secret';
const SK = 'sid';

/** The Set-Cookie of `name` in a reply, as `name=value`, or undefined. */
const pairOf = (reply: Reply, name: string) => reply.setCookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
const expiresLegacy = (reply: Reply) =>
  reply.setCookies.some((c) => c.startsWith('connect.sid=;') && c.includes('Max-Age=0'));
/** The raw session ID in a SessionKit cookie pair `sid=<id>.<sig>`. */
const idOf = (pair: string) => pair.slice(SK.length + 1, SK.length + 1 + 43);

/**
 * A legacy store that counts the calls made to it, can fail or hang, and can hold its `get`s until `gate` of
 * them arrived (so that many requests go on from the legacy read at once).
 */
function counting(inner: session.Store) {
  let held: Array<() => void> = [];
  const wrapper = {
    gets: 0,
    destroys: 0,
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    gate: 0,
    get(sid: string, callback: (error: unknown, data?: unknown) => void) {
      wrapper.gets++;
      if (wrapper.mode === 'fail') return callback(new Error('connection refused'));
      if (wrapper.mode === 'hang') return;
      held.push(() => inner.get(sid, callback));
      if (held.length < wrapper.gate) return;
      const release = held;
      held = [];
      for (const go of release) go();
    },
    destroy(sid: string, callback?: (error?: unknown) => void) {
      wrapper.destroys++;
      inner.destroy(sid, callback);
    },
  };
  return wrapper;
}

/**
 * The SessionKit store of these tests: counted ({@link countingStore}), every create recorded with its data and
 * outcome, and its next `failUpdates` updates failing like an outage.
 */
function observed(
  inner: SessionStore,
): CountingStore & { faults: { failUpdates: number }; creates: Array<[string, Uint8Array, boolean]> } {
  const faults = { failUpdates: 0 };
  const creates: Array<[string, Uint8Array, boolean]> = [];
  const recording: SessionStore = {
    name: inner.name,
    capabilities: inner.capabilities,
    get: (key, options) => inner.get(key, options),
    async create(key, record) {
      const created = await inner.create(key, record);
      creates.push([key, record.data, created]);
      return created;
    },
    update(key, record, expectedVersion) {
      if (faults.failUpdates > 0) {
        faults.failUpdates--;
        return Promise.reject(new StoreUnavailableError('connection lost', { store: inner.name, operation: 'update' }));
      }
      return inner.update(key, record, expectedVersion);
    },
    touch: (key, expiresAt) => inner.touch(key, expiresAt),
    delete: (key) => inner.delete(key),
    listByUser: (userId) => inner.listByUser(userId),
    deleteByUser: (userId) => inner.deleteByUser(userId),
    close: () => inner.close(),
  };
  return Object.assign(countingStore(recording), { faults, creates });
}

let legacy: OpenLegacyStore;
let oldApp: { url: string; close(): void };

/** A session logged in through the real express-session app: its `connect.sid=...` pair and its sid. */
async function legacyLogin(user: string, cart: number[]): Promise<{ cookie: string; sid: string }> {
  const response = await fetch(`${oldApp.url}/login?user=${user}&cart=${cart.join(',')}`, { method: 'POST' });
  const { sid } = (await response.json()) as { sid: string };
  return { cookie: response.headers.getSetCookie()[0]!.split(';')[0]!, sid };
}

/** A legacy record written straight into the old store (for the edge cases), with its signed cookie. */
async function legacyRecord(data: Record<string, unknown>, ttlMs = 600_000): Promise<{ cookie: string; sid: string }> {
  const sid = randomBytes(24).toString('base64url');
  const record = {
    cookie: { originalMaxAge: ttlMs, expires: new Date(Date.now() + ttlMs).toISOString(), httpOnly: true, path: '/' },
    ...data,
  };
  await new Promise<void>((resolve, reject) =>
    legacy.store.set(sid, record as unknown as session.SessionData, (e) => (e ? reject(e) : resolve())),
  );
  return { cookie: `connect.sid=${encodeURIComponent(`s:${sign(sid, OLD_SECRET)}`)}`, sid };
}

beforeAll(async () => {
  legacy = await legacyBackend('connect-redis').open(`test:legacy-inproc:${randomBytes(4).toString('hex')}:`);
  const app = express();
  app.use(session({ secret: OLD_SECRET, resave: false, saveUninitialized: false, store: legacy.store }));
  app.post('/login', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    s.passport = { user: String(req.query.user) };
    s.cart = String(req.query.cart).split(',').map(Number);
    res.json({ sid: req.sessionID });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  oldApp = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
});

afterAll(async () => {
  oldApp?.close();
  await legacy?.close();
});

/** A SessionKit app on `binding` with `legacy` over the counted old store; the manager and stores for checks. */
async function startApp(
  binding = expressBinding,
  overrides: Partial<LegacyOptions<Data>> = {},
  extra: { onStoreError?: 'fail' | 'anonymous' } = {},
) {
  const old = counting(legacy.store);
  const store = observed(new MemoryStore());
  const manager = new SessionManager<Data>({ store, idleTimeout: 600_000, absoluteTimeout: 3_600_000 });
  const errors: Error[] = [];
  const app: Harness = await binding.start({
    manager,
    secrets: [SECRET],
    cookie: { secure: false },
    ...extra,
    legacy: { store: old, secrets: OLD_SECRET, onError: (e) => errors.push(e), ...overrides },
  });
  return { app, old, store, manager, errors };
}

describe.each(bindings)('$name: adopting an express-session session', (binding) => {
  it('a user logged in on express-session is logged in with the same cart, under the SessionKit cookie; legacy cookie expired, record gone', async () => {
    const { app, store } = await startApp(binding);
    try {
      const { cookie, sid } = await legacyLogin('alice', [1, 2, 3]);
      const first = await send(`${app.url}/whoami`, { cookie: `theme=dark; ${cookie}` });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        user: 'alice',
        data: { passport: { user: 'alice' }, cart: [1, 2, 3] },
        degraded: false,
      });
      const sk = pairOf(first, SK);
      expect(sk, 'the SessionKit cookie').toBeDefined();
      expect(expiresLegacy(first)).toBe(true);
      expect(await legacyGet(legacy.store, sid)).toBeNull();
      expect(await store.listByUser('alice')).toHaveLength(1);
      const again = await send(`${app.url}/whoami`, { cookie: sk });
      expect(again.body.user).toBe('alice');
      expect(again.setCookies).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a tampered legacy cookie makes no lookup; a request without one makes no store call at all', async () => {
    const { app, old, store } = await startApp(binding);
    try {
      const { cookie } = await legacyLogin('bob', [7]);
      const tampered = cookie.slice(0, -4) + (cookie.at(-4) === 'A' ? 'B' : 'A') + cookie.slice(-3);
      const reply = await send(`${app.url}/whoami`, { cookie: tampered });
      expect(reply.body.user).toBeNull();
      expect(reply.setCookies).toEqual([]);
      expect(old.gets).toBe(0);
      for (const headers of [{}, { cookie: 'theme=dark; _ga=GA1.2.3.4' }]) {
        const plain = await send(`${app.url}/whoami`, headers);
        expect(plain.body.user).toBeNull();
      }
      expect([old.gets, old.destroys, store.calls()], 'legacy gets, legacy destroys, SessionKit store calls').toEqual([
        0, 0, 0,
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('express: the orders of events, and the options', () => {
  it('parallel first requests in one process: one session, the same cookie for all, the cart kept', async () => {
    const { app, store, old } = await startApp();
    try {
      const { cookie } = await legacyLogin('carol', [5, 6]);
      old.gate = 20;
      const replies = await Promise.all(Array.from({ length: 20 }, () => send(`${app.url}/whoami`, { cookie })));
      expect(new Set(replies.map((r) => pairOf(r, SK))).size).toBe(1);
      for (const reply of replies) expect(reply.body.data.cart).toEqual([5, 6]);
      expect(await store.listByUser('carol')).toHaveLength(1);
      const id = idOf(pairOf(replies[0]!, SK)!);
      const claims = store.creates.filter(([key]) => key !== hashSessionId(id)).map(([, , created]) => created);
      expect(claims.filter(Boolean), 'one claim created, the others found it').toHaveLength(1);
      expect(claims, 'every request tried to claim').toHaveLength(20);
    } finally {
      await app.close();
    }
  });

  it('a winner that crashed after its claim: the next requests store the session under the claimed ID, once', async () => {
    const { app, store, manager, old } = await startApp();
    try {
      const { cookie, sid } = await legacyLogin('dan', [9]);
      // What a crashed winner leaves: its claim (made by an adopter of another app instance), no session.
      const { LegacyClaims } = await import('../src/legacy-claim.js');
      const claims = new LegacyClaims(store, () => {});
      const claimedId = manager.create().id;
      const claim = await claims.claim(claims.keysFor(sid, Buffer.from(OLD_SECRET)), claimedId, Date.now() + 60_000);
      expect(claim?.fresh).toBe(true);
      // Two requests at once: both find the claim and no session, both store it; insert-if-absent lets one through.
      old.gate = 2;
      const replies = await Promise.all([send(`${app.url}/whoami`, { cookie }), send(`${app.url}/whoami`, { cookie })]);
      for (const reply of replies) {
        expect(reply.body.user).toBe('dan');
        expect(idOf(pairOf(reply, SK)!)).toBe(claimedId);
      }
      const stores = store.creates.filter(([key]) => key === hashSessionId(claimedId)).map(([, , created]) => created);
      expect(stores, 'both stored it, one got through').toEqual([true, false]);
      expect(await store.listByUser('dan')).toEqual([expect.objectContaining({ key: hashSessionId(claimedId) })]);
      expect(await legacyGet(legacy.store, sid)).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('a store failure after the session was stored (settling the claim): 503, legacy cookie kept; the retry gets that same session', async () => {
    const { app, store } = await startApp();
    try {
      const { cookie, sid } = await legacyLogin('erin', [3]);
      store.faults.failUpdates = 1;
      const failed = await send(`${app.url}/whoami`, { cookie, headers: { accept: 'application/json' } });
      expect(failed.status).toBe(503);
      expect(failed.setCookies).toEqual([]);
      expect(await legacyGet(legacy.store, sid), 'the legacy record is kept').not.toBeNull();
      const retried = await send(`${app.url}/whoami`, { cookie });
      expect(retried.body.user).toBe('erin');
      expect(expiresLegacy(retried)).toBe(true);
      expect(await store.listByUser('erin'), 'still one session').toHaveLength(1);
      expect(await legacyGet(legacy.store, sid)).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('destroy: false leaves the legacy record; a logout is not undone by the old cookie (never adopted twice)', async () => {
    const { app, store, old } = await startApp(expressBinding, { destroy: false });
    try {
      const { cookie, sid } = await legacyLogin('fay', [1]);
      const first = await send(`${app.url}/whoami`, { cookie });
      const sk = pairOf(first, SK)!;
      const late = await send(`${app.url}/whoami`, { cookie });
      expect(pairOf(late, SK), 'a late request with the old cookie gets the same session').toBe(sk);
      expect(old.destroys).toBe(0);
      expect(await legacyGet(legacy.store, sid), 'left to expire').not.toBeNull();
      const logout = await send(`${app.url}/logout`, { cookie: sk });
      expect(logout.body.destroyed).toBe(true);
      const replay = await send(`${app.url}/whoami`, { cookie });
      expect(replay.body.user, 'the old cookie after logout').toBeNull();
      expect(pairOf(replay, SK)).toBeUndefined();
      expect(expiresLegacy(replay)).toBe(true);
      expect(await store.listByUser('fay')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('custom mapper, owner extractor, cookie name and path', async () => {
    const { app } = await startApp(expressBinding, {
      name: 'shop.sid',
      cookie: { path: '/shop' },
      attributes: (s) => ({ items: s.basket }),
      userId: (s) => (typeof s.account === 'string' ? `acct:${s.account}` : undefined),
    });
    try {
      const { sid } = await legacyRecord({ account: '42', basket: ['a'] });
      const reply = await send(`${app.url}/whoami`, {
        cookie: `shop.sid=${encodeURIComponent(`s:${sign(sid, OLD_SECRET)}`)}`,
      });
      expect(reply.body).toEqual({ user: 'acct:42', data: { items: ['a'] }, degraded: false });
      expect(reply.setCookies).toContain(
        'shop.sid=; Max-Age=0; Path=/shop; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly',
      );
    } finally {
      await app.close();
    }
  });

  it('a legacy session holding nothing but its cookie: anonymous, record destroyed, cookie expired', async () => {
    const { app, store } = await startApp();
    try {
      const { cookie, sid } = await legacyRecord({});
      const reply = await send(`${app.url}/whoami`, { cookie });
      expect(reply.body.user).toBeNull();
      expect(pairOf(reply, SK)).toBeUndefined();
      expect(expiresLegacy(reply)).toBe(true);
      expect(await legacyGet(legacy.store, sid)).toBeNull();
      expect(store.creates, 'no claim and no session stored').toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('an outage of the old store answers 503 (or degrades with onStoreError: anonymous) and keeps the legacy cookie; a hang times out', async () => {
    const { cookie } = await legacyLogin('gus', [2]);
    for (const [mode, policy, status] of [
      ['fail', 'fail', 503],
      ['hang', 'fail', 503],
      ['fail', 'anonymous', 200],
    ] as const) {
      const { app, old } = await startApp(expressBinding, { timeoutMs: 200 }, { onStoreError: policy });
      try {
        old.mode = mode;
        const reply = await send(`${app.url}/whoami`, { cookie, headers: { accept: 'application/json' } });
        expect(reply.status, `${mode} / ${policy}`).toBe(status);
        if (status === 200) expect(reply.body).toMatchObject({ user: null, degraded: true });
        expect(reply.setCookies).toEqual([]);
      } finally {
        await app.close();
      }
    }
  });

  it('a live SessionKit session wins over a legacy cookie (no lookup); an anonymous SessionKit cookie does not', async () => {
    const { app, old } = await startApp();
    try {
      const login = await send(`${app.url}/login?user=hal`);
      const sk = pairOf(login, SK)!;
      const { cookie } = await legacyLogin('ida', [4]);
      expect((await send(`${app.url}/whoami`, { cookie: `${sk}; ${cookie}` })).body.user).toBe('hal');
      expect(old.gets).toBe(0);
      // The CSRF cookie of an anonymous visitor (a signed ID with no session) does not hide the legacy session.
      const anonymous = pairOf(await send(`${app.url}/form`), SK)!;
      const adopted = await send(`${app.url}/whoami`, { cookie: `${anonymous}; ${cookie}` });
      expect(adopted.body.user).toBe('ida');
      expect(pairOf(adopted, SK)).not.toBe(anonymous);
    } finally {
      await app.close();
    }
  });

  it('logout with a legacy cookie never adopted expires it, so the next request does not log the user back in', async () => {
    const { app } = await startApp();
    try {
      const sk = pairOf(await send(`${app.url}/login?user=jo`), SK)!;
      const { cookie } = await legacyLogin('jo', [8]);
      const logout = await send(`${app.url}/logout`, { cookie: `${sk}; ${cookie}` });
      expect(expiresLegacy(logout)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('the claim reveals no session ID; a claim copied under another legacy session does not decrypt (anonymous, reported)', async () => {
    const { app, store, errors } = await startApp();
    try {
      const { cookie } = await legacyLogin('kim', [1]);
      const id = idOf(pairOf(await send(`${app.url}/whoami`, { cookie }), SK)!);
      const [claimKey, claimData] = store.creates.find(([key]) => key !== hashSessionId(id))!;
      const dump = Buffer.from(claimData);
      expect(dump.length).toBe(61);
      for (const needle of [Buffer.from(id), Buffer.from(id, 'base64url'), Buffer.from(hashSessionId(id))])
        expect(dump.includes(needle)).toBe(false);
      // Copy kim's claim under another legacy session's claim key: it does not open there.
      const other = await legacyLogin('lee', [2]);
      const { LegacyClaims } = await import('../src/legacy-claim.js');
      const claims = new LegacyClaims(store, () => {});
      const otherKey = claims.keysFor(other.sid, Buffer.from(OLD_SECRET)).key;
      expect(otherKey).not.toBe(claimKey);
      expect(await store.create(otherKey, { data: claimData, version: 1, expiresAt: Date.now() + 60_000 })).toBe(true);
      const reply = await send(`${app.url}/whoami`, { cookie: other.cookie });
      expect(reply.body.user).toBeNull();
      expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('does not decrypt')]);
      expect(await store.listByUser('lee')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

/**
 * An unchanged express-session app, run on the bridge over every backend in `backends.ts`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionStore } from '@sessionkit/core';
import { hashSessionId, UnsupportedOperationError } from '@sessionkit/core';
import express from 'express';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressSessionStore } from '../src/index.js';
import { backends } from './backends.js';
import { send, switchableStore } from './helpers.js';

declare module 'express-session' {
  interface SessionData {
    views: number;
    user: string;
  }
}

/** The express-session app, exactly as an existing project would have it; only `store` is ours. */
function legacyApp(store: session.Store) {
  const app = express();
  app.set('env', 'test');
  app.use(
    session({
      secret: ['keyboard cat is not a secret'],
      resave: false,
      saveUninitialized: false,
      store,
      cookie: { maxAge: 60_000, httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.get('/views', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.session.user ?? null, views: req.session.views ?? 0 });
  });
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = 'alice';
      req.session.save((saveError) => (saveError ? next(saveError) : res.json({ ok: true })));
    });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });
  return app;
}

const sidCookie = (setCookies: string[]): string | undefined =>
  setCookies.find((c) => c.startsWith('connect.sid='))?.split(';')[0];
const rawSid = (cookie: string): string =>
  decodeURIComponent(cookie.slice('connect.sid='.length)).slice(2).split('.')[0]!;

describe.each(backends)('express-session on the bridge over $name', (backend) => {
  let close: () => Promise<void>;
  let inner: SessionStore;
  let store: ReturnType<typeof switchableStore>;
  let url: string;
  let server: ReturnType<typeof createServer>;

  beforeAll(async () => {
    const opened = await backend.open();
    inner = opened.store;
    close = opened.close;
    store = switchableStore(inner);
    server = createServer(legacyApp(expressSessionStore(store) as unknown as session.Store));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await close();
  });

  it('keeps state across requests, stored under the hash of the sid', async () => {
    const first = await send(`${url}/views`);
    const cookie = sidCookie(first.setCookies)!;
    expect(first.body).toEqual({ views: 1 });
    expect((await send(`${url}/views`, { cookie })).body).toEqual({ views: 2 });
    expect((await send(`${url}/views`, { cookie })).body).toEqual({ views: 3 });
    const sid = rawSid(cookie);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const record = await inner.get(hashSessionId(sid));
    expect(record).not.toBeNull();
    expect(record!.version).toBe(3);
    expect(JSON.parse(new TextDecoder().decode(record!.data))).toMatchObject({ views: 3 });
    expect(await inner.get(sid)).toBeNull(); // the raw sid is never a key
    // Record expiry follows cookie.expires.
    expect(record!.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    expect(record!.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('regenerate on login kills the old sid; destroy on logout kills the new one', async () => {
    const anon = sidCookie((await send(`${url}/views`)).setCookies)!;
    const login = await send(`${url}/login`, { method: 'POST', cookie: anon });
    const authed = sidCookie(login.setCookies)!;
    expect(authed).not.toBe(anon);
    expect(await inner.get(hashSessionId(rawSid(anon)))).toBeNull();
    expect((await send(`${url}/me`, { cookie: authed })).body).toEqual({ user: 'alice', views: 0 });
    expect((await send(`${url}/me`, { cookie: anon })).body).toEqual({ user: null, views: 0 });
    await send(`${url}/logout`, { method: 'POST', cookie: authed });
    expect(await inner.get(hashSessionId(rawSid(authed)))).toBeNull();
    expect((await send(`${url}/me`, { cookie: authed })).body).toEqual({ user: null, views: 0 });
  });

  it('an unmodified request touches the record instead of rewriting it', async () => {
    const cookie = sidCookie((await send(`${url}/views`)).setCookies)!;
    const key = hashSessionId(rawSid(cookie));
    const before = (await inner.get(key))!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await send(`${url}/me`, { cookie });
    const after = (await inner.get(key))!;
    expect(after.version).toBe(before.version);
    expect(after.expiresAt).toBeGreaterThan(before.expiresAt);
  });

  it('concurrent writers never lose the record; set is create-if-absent else compare-and-set', async () => {
    const bridge = expressSessionStore(inner);
    const sid = `concurrent-${Date.now()}`;
    const cookie = { expires: new Date(Date.now() + 60_000), originalMaxAge: 60_000 };
    await Promise.all(Array.from({ length: 8 }, (_, i) => bridge.set(sid, { cookie, n: i })));
    const stored = await bridge.get(sid);
    expect(typeof stored?.n).toBe('number');
    expect((await inner.get(hashSessionId(sid)))!.version).toBe(8);
  });

  it('refuses malformed sids without a store call and drops prototype-polluting keys', async () => {
    const bridge = expressSessionStore(inner);
    expect(await bridge.get('')).toBeNull();
    expect(await bridge.get('a b')).toBeNull();
    expect(await bridge.get('x'.repeat(257))).toBeNull();
    expect(await bridge.get(42 as unknown as string)).toBeNull();
    await expect(bridge.set('bad sid', { cookie: {} })).rejects.toThrow(/invalid session id/);
    const sid = `proto-${Date.now()}`;
    await inner.create(hashSessionId(sid), {
      data: new TextEncoder().encode('{"__proto__":{"polluted":true},"cookie":{},"ok":1}'),
      version: 1,
      expiresAt: Date.now() + 60_000,
    });
    const loaded = (await bridge.get(sid)) as Record<string, unknown>;
    expect(loaded.ok).toBe(1);
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('all, length and clear: over the admin enumeration where the store has it, else UnsupportedOperationError', async () => {
    const bridge = expressSessionStore(inner);
    if (inner.capabilities.scan) {
      // Counted exactly in express-session-bridge-compat.test.ts; here: they run on this backend.
      expect(typeof (await bridge.length())).toBe('number');
      expect(typeof (await bridge.all())).toBe('object');
      return;
    }
    await expect(bridge.all()).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(bridge.length()).rejects.toBeInstanceOf(UnsupportedOperationError);
    await new Promise<void>((resolve) =>
      bridge.clear((error) => {
        expect(error).toBeInstanceOf(UnsupportedOperationError);
        resolve();
      }),
    );
  });

  it('a store outage answers 503, never a fresh anonymous session', async () => {
    const cookie = sidCookie((await send(`${url}/views`)).setCookies)!;
    store.down = true;
    try {
      const reply = await send(`${url}/views`, { cookie });
      expect(reply.status).toBe(503);
      expect(reply.setCookies).toEqual([]);
      // express-session itself answers a failed *save* with the response anyway (it saves in res.end and
      // only reports the error to next()); the failed write stored nothing. Documented in docs/http.md.
      const anonymous = await send(`${url}/views`);
      const sid = rawSid(sidCookie(anonymous.setCookies) ?? 'connect.sid=s%3Anone.x');
      store.down = false;
      expect(await inner.get(hashSessionId(sid))).toBeNull();
    } finally {
      store.down = false;
    }
    expect((await send(`${url}/views`, { cookie })).body.views).toBe(2);
  });
});

/**
 * Compatibility of the express-session bridge with express-session's own MemoryStore, side by side: every Store
 * method, and the middleware behaviours that reach the store (`reload`, `regenerate`, `destroy`, `touch`,
 * `rolling`, `resave: false`, `saveUninitialized: false`, `unset: 'destroy'`, counting with `length`/`all`),
 * run against both on MemoryStore and Redis. Where the two differ, the test pins the difference down; each one
 * is listed and explained in docs/http.md ("Differences from express-session's MemoryStore").
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CountingStore } from '@sessionkit/conformance';
import { countingStore } from '@sessionkit/conformance';
import type { SessionStore } from '@sessionkit/core';
import { hashSessionId } from '@sessionkit/core';
import express from 'express';
import session from 'express-session';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExpressSessionStore } from '../src/index.js';
import { expressSessionStore } from '../src/index.js';
import { backends } from './backends.js';
import { send } from './helpers.js';

declare module 'express-session' {
  interface SessionData {
    n: number;
  }
}

/** Calls a callback-style store method as a promise. */
function call<R>(store: session.Store, method: string, ...args: unknown[]): Promise<R> {
  return new Promise((resolve, reject) =>
    (store as unknown as Record<string, (...a: unknown[]) => void>)[method]!(...args, (error: unknown, result: R) =>
      error ? reject(error) : resolve(result),
    ),
  );
}

/** Counts the calls express-session makes to a store (patched on the instance). */
function counted(store: session.Store): { store: session.Store; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const target = store as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['get', 'set', 'touch', 'destroy']) {
    const original = target[method]!.bind(store);
    target[method] = (...args: unknown[]) => {
      calls[method] = (calls[method] ?? 0) + 1;
      return original(...args);
    };
  }
  return { store, calls };
}

const cookie = (ms: number) => ({
  originalMaxAge: ms,
  expires: new Date(Date.now() + ms).toISOString(),
  httpOnly: true,
  path: '/',
});
const sidOf = (setCookies: string[]): string | undefined => {
  const value = setCookies
    .find((c) => c.startsWith('connect.sid='))
    ?.split(';')[0]
    ?.slice('connect.sid='.length);
  return value === undefined ? undefined : decodeURIComponent(value).slice(2).split('.')[0];
};
const pair = (setCookies: string[]): string => setCookies.find((c) => c.startsWith('connect.sid='))!.split(';')[0]!;

interface Served {
  url: string;
  calls: Record<string, number>;
  close(): Promise<void>;
}

/** An express-session app on `store`, with routes for each behaviour under test. */
async function serve(store: session.Store, options: Partial<session.SessionOptions> = {}): Promise<Served> {
  const spied = counted(store);
  const app = express();
  app.set('env', 'test');
  app.use(
    session({
      secret: 'compat secret',
      resave: false,
      saveUninitialized: false,
      store,
      cookie: { maxAge: 60_000 },
      ...options,
    }),
  );
  app.get('/noop', (_req, res) => res.json({ ok: true }));
  app.get('/read', (req, res) => res.json({ n: req.session.n ?? null }));
  app.post('/inc', (req, res) => {
    req.session.n = (req.session.n ?? 0) + 1;
    res.json({ n: req.session.n });
  });
  app.post('/reload', (req, res, next) => {
    // reload replaces the request's unsaved change with the stored session.
    req.session.n = -1;
    req.session.reload((error) => (error ? next(error) : res.json({ n: req.session.n ?? null })));
  });
  app.post('/regenerate', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.n = 100;
      res.json({ ok: true });
    });
  });
  app.post('/destroy', (req, res, next) =>
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true }))),
  );
  app.post('/unset', (req, res) => {
    (req as { session: unknown }).session = null;
    res.json({ ok: true });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: spied.calls,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(backends.filter((b) => b.name === 'memory' || b.name === 'redis'))(
  'the bridge over $name next to express-session’s MemoryStore',
  (backend) => {
    let inner: SessionStore;
    let counting: CountingStore;
    let close: () => Promise<void>;
    /** express-session's own MemoryStore and the bridge, fresh for each test. */
    let sides: { name: string; store: session.Store }[];
    let bridge: ExpressSessionStore;
    const servers: Served[] = [];

    beforeAll(async () => {
      ({ store: inner, close } = await backend.open());
      counting = countingStore(inner);
    });
    afterAll(() => close());
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await call(bridge as unknown as session.Store, 'clear');
    });
    const fresh = () => {
      bridge = expressSessionStore(counting);
      sides = [
        { name: 'express-session MemoryStore', store: new session.MemoryStore() },
        { name: 'bridge', store: bridge as unknown as session.Store },
      ];
      counting.reset();
      return sides;
    };
    /** Runs `scenario` on both sides and expects the same outcome. */
    async function same<T>(scenario: (store: session.Store) => Promise<T>): Promise<T> {
      const results: T[] = [];
      for (const { store } of fresh()) results.push(await scenario(store));
      expect(results[1], 'the bridge behaves as express-session’s MemoryStore').toEqual(results[0]);
      return results[1]!;
    }
    const app = async (store: session.Store, options?: Partial<session.SessionOptions>) => {
      const served = await serve(store, options);
      servers.push(served);
      return served;
    };

    it('get / set / destroy: a miss, a round trip, a deleted session, an expired cookie', async () => {
      const data = { cookie: cookie(60_000), n: 1, nested: { list: [1, 'two'] } };
      await same(async (store) => {
        const missing = await call(store, 'get', 'never-set');
        await call(store, 'set', 'sid-a', data);
        const got = await call(store, 'get', 'sid-a');
        await call(store, 'destroy', 'sid-a');
        const destroyed = await call(store, 'get', 'sid-a');
        await call(store, 'set', 'sid-b', {
          cookie: { ...cookie(60_000), expires: new Date(Date.now() - 1).toISOString() },
          n: 2,
        });
        const expired = await call(store, 'get', 'sid-b');
        return { missing: missing ?? null, got, destroyed: destroyed ?? null, expired: expired ?? null };
      });
    });

    it('length / all / clear count, list and delete the sessions (keyed by the hashed key on the bridge)', async () => {
      const listed = await same(async (store) => {
        const before = await call<number>(store, 'length');
        for (const sid of ['one', 'two', 'three']) await call(store, 'set', sid, { cookie: cookie(60_000), sid });
        await call(store, 'set', 'dead', {
          cookie: { ...cookie(60_000), expires: new Date(Date.now() - 1).toISOString() },
        });
        const length = await call<number>(store, 'length');
        const all = await call<Record<string, { sid: string }>>(store, 'all');
        const values = Object.values(all)
          .map((s) => s.sid)
          .sort();
        await call(store, 'clear');
        return {
          before,
          length,
          values,
          after: await call<number>(store, 'length'),
          prototype: Object.getPrototypeOf(all),
        };
      });
      expect(listed).toEqual({ before: 0, length: 3, values: ['one', 'three', 'two'], after: 0, prototype: null });
      // The difference: express-session's MemoryStore keys `all` by sid, the bridge by the sid's hash.
      for (const sid of ['one', 'two'])
        await call(bridge as unknown as session.Store, 'set', sid, { cookie: cookie(60_000) });
      const all = await call<Record<string, unknown>>(bridge as unknown as session.Store, 'all');
      expect(Object.keys(all).sort()).toEqual(['one', 'two'].map(hashSessionId).sort());
    });

    it('touch moves the expiry; the bridge keeps the stored cookie as it was (the documented difference)', async () => {
      const results: Record<string, unknown> = {};
      for (const { name, store } of fresh()) {
        const first = cookie(60_000);
        await call(store, 'set', 'sid-t', { cookie: first, n: 1 });
        const later = cookie(120_000);
        await call(store, 'touch', 'sid-t', { cookie: later, n: 999 });
        const got = await call<{ cookie: { expires: string }; n: number }>(store, 'get', 'sid-t');
        results[name] = { n: got.n, storedExpires: got.cookie.expires === later.expires ? 'new' : 'old' };
      }
      // Neither rewrites the data on touch; MemoryStore rewrites the stored cookie, the bridge (like connect-redis) does not.
      expect(results).toEqual({
        'express-session MemoryStore': { n: 1, storedExpires: 'new' },
        bridge: { n: 1, storedExpires: 'old' },
      });
      const record = (await inner.get(hashSessionId('sid-t')))!;
      expect(record.expiresAt).toBeGreaterThan(Date.now() + 100_000);
      expect(record.version, 'touch is no rewrite').toBe(1);
    });

    it('saveUninitialized: false stores nothing for an untouched session; resave: false writes an unmodified one never', async () => {
      const outcome = await same(async (store) => {
        const served = await app(store);
        const noop = await send(`${served.url}/noop`);
        const stored = await call<number>(store, 'length');
        const first = await send(`${served.url}/inc`, { method: 'POST' });
        const jar = pair(first.setCookies);
        const calls = { ...served.calls };
        await send(`${served.url}/read`, { cookie: jar });
        const delta = Object.fromEntries(
          ['get', 'set', 'touch', 'destroy'].map((m) => [m, (served.calls[m] ?? 0) - (calls[m] ?? 0)]),
        );
        return { noopCookie: noop.setCookies.length, stored, delta };
      });
      // The unmodified read costs one get and one touch (the cookie has a maxAge), no set, on both sides.
      expect(outcome).toEqual({ noopCookie: 0, stored: 0, delta: { get: 1, set: 0, touch: 1, destroy: 0 } });
      // Below the bridge, that touch is a store touch: no rewrite of the record.
      expect(counting.counts).toMatchObject({ update: 0, touch: 1 });
    });

    it('rolling: true re-sends the cookie on every response and moves the expiry with a touch', async () => {
      await same(async (store) => {
        const served = await app(store, { rolling: true });
        const jar = pair((await send(`${served.url}/inc`, { method: 'POST' })).setCookies);
        const read = await send(`${served.url}/read`, { cookie: jar });
        return {
          resent: read.setCookies.length,
          body: read.body,
          touches: served.calls.touch ?? 0,
          sets: served.calls.set ?? 0,
        };
      });
    });

    it('reload brings back the stored session; regenerate kills the old sid; destroy and unset: "destroy" delete', async () => {
      await same(async (store) => {
        const served = await app(store, { unset: 'destroy' });
        const jar = pair((await send(`${served.url}/inc`, { method: 'POST' })).setCookies);
        const reloaded = (await send(`${served.url}/reload`, { method: 'POST', cookie: jar })).body;
        const regenerated = await send(`${served.url}/regenerate`, { method: 'POST', cookie: jar });
        const newJar = pair(regenerated.setCookies);
        const oldAfter = (await send(`${served.url}/read`, { cookie: jar })).body;
        const newAfter = (await send(`${served.url}/read`, { cookie: newJar })).body;
        await send(`${served.url}/destroy`, { method: 'POST', cookie: newJar });
        const afterDestroy = (await send(`${served.url}/read`, { cookie: newJar })).body;
        const third = pair((await send(`${served.url}/inc`, { method: 'POST' })).setCookies);
        await send(`${served.url}/unset`, { method: 'POST', cookie: third });
        const afterUnset = await call(store, 'get', sidOf([third])!);
        return {
          reloaded,
          changed: newJar !== jar,
          oldAfter,
          newAfter,
          afterDestroy,
          afterUnset: afterUnset ?? null,
          left: await call(store, 'length'),
        };
      });
    });
  },
);

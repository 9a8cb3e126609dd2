/**
 * The commit-before-headers hooks (`src/intercept.ts`) next to middleware that patches the response itself, as
 * compression and on-headers do: mounted before SessionKit (the instance already has its own `end` when the
 * session is used) or after it (it saves SessionKit's hooked `end` and calls that). Either way the session is
 * committed and its cookie sent before the headers leave, through the middleware's own `end`.
 */
import type { ServerResponse } from 'node:http';
import { expiryPresets, MemoryStore, SessionManager } from '@sessionkit/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { getSession, sessionMiddleware } from '../src/index.js';
import { SECRET } from './helpers.js';

/** Middleware that wraps `res.end` on the instance, calling the `end` it found, and counts its calls. */
function patchingEnd(calls: string[]) {
  return function patchEnd(_req: Request, res: Response, next: NextFunction): void {
    const end = res.end as (...args: unknown[]) => ServerResponse;
    res.end = function patchedEnd(this: Response, ...args: unknown[]) {
      calls.push('patched end');
      return end.apply(this, args);
    } as Response['end'];
    next();
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An app with `before` and `after` middleware around SessionKit's; `/login` writes, `/me` reads. */
async function start(before: express.RequestHandler[], after: express.RequestHandler[]) {
  const manager = new SessionManager({ ...expiryPresets.workday, store: new MemoryStore() });
  const app = express();
  const ownEnd: boolean[] = [];
  app.use(...before, sessionMiddleware({ manager, secrets: [SECRET], cookie: { secure: false } }), ...after);
  app.post('/login', async (req, res) => {
    const session = await getSession(req).regenerate({ userId: 'ada' });
    session.set('cart', ['book']);
    ownEnd.push(Object.hasOwn(res, 'end'));
    res.json({ ok: true });
  });
  app.get('/me', async (req, res) => {
    const session = await getSession(req).get();
    res.json({ user: session?.userId ?? null, cart: session?.get('cart') ?? null });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(async () => {
    server.close();
    await manager.store.close();
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, ownEnd };
}

/** Logs in, then reads the session back with the cookie the login set. */
async function loginThenRead(base: string): Promise<{ cookie: string | undefined; me: unknown }> {
  const login = await fetch(`${base}/login`, { method: 'POST' });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('sid='));
  const me = await (await fetch(`${base}/me`, { headers: { cookie: cookie?.split(';')[0] ?? '' } })).json();
  return { cookie, me };
}

describe('commit before headers with middleware that patches res.end', () => {
  it('adds no property to a response nobody patched (the hooks come from a derived prototype)', async () => {
    const { base, ownEnd } = await start([], []);
    const { cookie, me } = await loginThenRead(base);
    expect(cookie).toBeDefined();
    expect(me).toEqual({ user: 'ada', cart: ['book'] });
    expect(ownEnd).toEqual([false]);
  });

  it('wraps the instance methods of middleware mounted before it, and goes through them', async () => {
    const calls: string[] = [];
    const { base, ownEnd } = await start([patchingEnd(calls)], []);
    const { cookie, me } = await loginThenRead(base);
    expect(cookie).toBeDefined();
    expect(me).toEqual({ user: 'ada', cart: ['book'] });
    expect(ownEnd).toEqual([true]);
    expect(calls).toEqual(['patched end', 'patched end']); // login and read, each once
  });

  it('is called through by middleware mounted after it, which saved the hooked end', async () => {
    const calls: string[] = [];
    const { base } = await start([], [patchingEnd(calls)]);
    const { cookie, me } = await loginThenRead(base);
    expect(cookie).toBeDefined();
    expect(me).toEqual({ user: 'ada', cart: ['book'] });
    expect(calls).toEqual(['patched end', 'patched end']);
  });
});

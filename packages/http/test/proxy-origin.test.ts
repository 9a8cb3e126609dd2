/**
 * The CSRF check's own origin behind a reverse proxy, on Express 4 and 5 and Koa 2 and 3: the forwarding
 * headers count only when the framework's own setting trusts the proxy (`trust proxy`, `app.proxy`), and the
 * host keeps its port on both Express majors (Express 4's `req.host` drops it, so it must not be read).
 */
import { createServer } from 'node:http';
import { MemoryStore, SessionManager } from '@sessionkit/core';
import express from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { csrfProtection, getSession, koaCsrf, koaSession, sessionMiddleware } from '../src/index.js';
import type { Data, Harness } from './helpers.js';
import { listen, SECRET, send } from './helpers.js';

const manager = new SessionManager<Data>({ store: new MemoryStore(), idleTimeout: 60_000, absoluteTimeout: 120_000 });
const options = { manager, secrets: [SECRET] };

/** An app with the session middleware, the CSRF check, and `/form` (renders a token) and `/act` (a POST). */
type Start = (trustProxy: boolean) => Promise<Harness>;

const expressApp =
  (factory: typeof express): Start =>
  (trustProxy) => {
    const app = factory();
    app.set('trust proxy', trustProxy);
    app.use(sessionMiddleware<Data>(options));
    app.use(csrfProtection());
    app.all('/form', (req, res) => void res.json({ token: getSession(req).csrfToken() }));
    app.post('/act', (_req, res) => void res.json({ ok: true }));
    return listen(createServer(app));
  };

const koaApp =
  (App: typeof Koa): Start =>
  (trustProxy) => {
    const app = new App();
    app.proxy = trustProxy;
    app.use(koaSession<Data>(options));
    app.use(koaCsrf());
    app.use(async (ctx) => {
      ctx.body = ctx.path === '/form' ? { token: ctx.session.csrfToken() } : { ok: true };
    });
    return listen(createServer(app.callback()));
  };

const frameworks: Array<{ name: string; start: Start }> = [
  { name: 'express 5', start: expressApp(express) },
  { name: 'express 4', start: expressApp(express4) },
  { name: 'koa 3', start: koaApp(Koa) },
  { name: 'koa 2', start: koaApp(Koa2) },
];

describe.each(frameworks)('$name: the own origin of the CSRF check', ({ start }) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  /** POSTs `/act` with a valid cookie and token, as a browser on `origin` behind a proxy that sent `forwarded`. */
  const act = async (origin: string, forwarded: Record<string, string>): Promise<number> => {
    const form = await send(`${h!.url}/form`);
    const cookie = form.setCookies[0]!.split(';')[0]!;
    const reply = await send(`${h!.url}/act`, {
      method: 'POST',
      cookie,
      headers: { origin, 'x-csrf-token': form.body.token, accept: 'application/json', ...forwarded },
    });
    return reply.status;
  };
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example:8443' };

  it('ignores the forwarding headers unless the proxy is trusted', async () => {
    h = await start(false);
    expect(await act('https://shop.example:8443', proxied)).toBe(403);
    expect(await act(h.url, proxied)).toBe(200);
  });

  it('takes the scheme and the host with its port from a trusted proxy', async () => {
    h = await start(true);
    expect(await act('https://shop.example:8443', proxied)).toBe(200);
    expect(await act('https://shop.example', proxied), 'the port is part of the origin').toBe(403);
    expect(await act(h.url, proxied)).toBe(403);
  });
});

describe('csrfProtection on Express 4', () => {
  it("does not read Express 4's deprecated req.host", async () => {
    const deprecations: Error[] = [];
    const listener = (error: Error): void => void deprecations.push(error);
    process.on('deprecation', listener); // depd reports here instead of printing while someone listens
    const h = await expressApp(express4)(false);
    try {
      const form = await send(`${h.url}/form`);
      const reply = await send(`${h.url}/act`, {
        method: 'POST',
        cookie: form.setCookies[0]!.split(';')[0]!,
        headers: { origin: h.url, 'x-csrf-token': form.body.token },
      });
      expect(reply.status).toBe(200);
      expect(deprecations.map((error) => error.message)).toEqual([]);
    } finally {
      process.off('deprecation', listener);
      await h.close();
    }
  });
});

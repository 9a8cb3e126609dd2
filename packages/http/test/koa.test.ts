/**
 * What the shared binding matrix does not cover for `koaSession` (Koa 2 and 3): errors that are not session
 * errors stay Koa's, a route that writes `ctx.res` itself still gets its cookie (the hooks are armed only for
 * such a route), and `getSession` works on
 * `ctx` and on `ctx.req`.
 */
import { createServer, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { SessionStore } from '@sessionkit/core';
import { MemoryStore, SessionManager, StoreUnavailableError } from '@sessionkit/core';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { getSession, HeadersSentError, koaSession } from '../src/index.js';
import type { Data, Harness } from './helpers.js';
import { cookiePair, listen, SECRET, send } from './helpers.js';

describe.each([
  { name: 'koa 3', App: Koa },
  { name: 'koa 2', App: Koa2 as typeof Koa },
])('$name: koaSession', ({ App }) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
  });

  /**
   * Starts a Koa app with `koaSession` over `store` in front of `route`; resolves the list the app's `'error'`
   * events are collected in. `heard` collects what `onError` hears.
   */
  const start = async (
    route: Koa.Middleware,
    store: SessionStore = new MemoryStore(),
    heard: unknown[] = [],
  ): Promise<Error[]> => {
    const manager = new SessionManager<Data>({ store, idleTimeout: 60_000, absoluteTimeout: 120_000 });
    const app = new App();
    const errors: Error[] = [];
    app.on('error', (error: Error) => errors.push(error));
    app.use(koaSession<Data>({ manager, secrets: [SECRET], onError: (error) => heard.push(error) }));
    app.use(route);
    h = await listen(createServer(app.callback()));
    return errors;
  };

  it("leaves an application error to Koa's error handling, and commits the changes made before it", async () => {
    const failure = new Error('boom');
    const errors = await start(async (ctx) => {
      (await ctx.session.session()).set('before', 'error');
      throw failure;
    });
    const reply = await send(`${h!.url}/`);
    expect(reply.status).toBe(500);
    expect(reply.body).toBe('Internal Server Error');
    expect(errors).toEqual([failure]);
    // Like Express: the session changes made before the error are committed as Koa sends its error response.
    expect(cookiePair(reply)).toBeDefined();
  });

  it('a streamed body whose commit fails is replaced by the 503, without a cookie, and the stream is destroyed', async () => {
    const store = new MemoryStore();
    store.create = () =>
      Promise.reject(new StoreUnavailableError('connection lost', { store: 'memory', operation: 'create' }));
    const heard: unknown[] = [];
    let body: Readable | undefined;
    const errors = await start(
      async (ctx) => {
        (await ctx.session.session()).set('streamed', true);
        body = Readable.from(['never', 'sent']);
        ctx.type = 'text/plain';
        ctx.set('etag', '"route"');
        ctx.body = body;
      },
      store,
      heard,
    );
    const reply = await send(`${h!.url}/`, { headers: { accept: 'application/json' } });
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('SESSION_UNAVAILABLE');
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.headers.get('etag'), "the route's headers are gone").toBeNull();
    expect(reply.setCookies).toEqual([]);
    expect(heard).toEqual([expect.objectContaining({ code: 'SESSION_UNAVAILABLE' })]);
    expect(errors, "an expected 503 is not Koa's error").toEqual([]);
    await expect.poll(() => body?.destroyed, { timeout: 2000 }).toBe(true);
  });

  it.each([
    { when: 'after using the session', early: false },
    { when: 'before using the session', early: true },
  ])(
    'a route that writes ctx.res itself (ctx.respond = false $when) still gets the Set-Cookie before its headers',
    async ({ early }) => {
      await start(async (ctx) => {
        if (ctx.path === '/read') {
          ctx.body = (await getSession<Data>(ctx.req).get())?.get('raw') ?? null;
          return;
        }
        if (early) ctx.respond = false;
        (await getSession<Data>(ctx).session()).set('raw', early ? 'early' : 'late');
        ctx.respond = false;
        // The binding's accessor on app.context reads back what the route set.
        expect(ctx.respond).toBe(false);
        ctx.res.writeHead(200, { 'content-type': 'text/plain' });
        ctx.res.end('raw');
      });
      const reply = await send(`${h!.url}/`);
      expect(reply.body).toBe('raw');
      const cookie = cookiePair(reply);
      expect(cookie).toBeDefined();
      expect((await send(`${h!.url}/read`, { cookie })).body).toBe(early ? 'early' : 'late');
    },
  );

  it('leaves the response untouched when Koa sends it (the hooks are armed only for a bypass)', async () => {
    const prototypes: unknown[] = [];
    await start(async (ctx) => {
      (await getSession<Data>(ctx).session()).set('count', 1);
      ctx.body = 'ok';
      await Promise.resolve();
      prototypes.push(Object.getPrototypeOf(ctx.res));
    });
    const reply = await send(`${h!.url}/`);
    expect(reply.body).toBe('ok');
    expect(cookiePair(reply)).toBeDefined();
    expect(prototypes).toEqual([ServerResponse.prototype]);
  });

  it('saves the changes of a route that writes ctx.res without ctx.respond = false (no cookie can follow)', async () => {
    await start(async (ctx) => {
      const session = getSession<Data>(ctx);
      if (ctx.path === '/login') {
        (await session.regenerate()).set('raw', 'before');
        ctx.body = 'in';
      } else if (ctx.path === '/read') {
        ctx.body = (await session.get())?.get('raw') ?? null;
      } else {
        (await session.session()).set('raw', 'direct');
        ctx.res.writeHead(200, { 'content-type': 'text/plain' });
        ctx.res.end('direct');
      }
    });
    const cookie = cookiePair(await send(`${h!.url}/login`));
    expect(cookie).toBeDefined();
    const reply = await send(`${h!.url}/write`, { cookie });
    expect(reply.body).toBe('direct');
    await expect.poll(async () => (await send(`${h!.url}/read`, { cookie })).body).toBe('direct');
  });

  it('arms the hooks for every committing response when the app context already defines respond', async () => {
    const app = new App();
    let respond: boolean | undefined;
    Object.defineProperty(app.context, 'respond', {
      configurable: true,
      get: () => respond,
      set: (value: boolean) => {
        respond = value;
      },
    });
    app.use(
      koaSession<Data>({
        manager: new SessionManager<Data>({ store: new MemoryStore(), idleTimeout: 60_000, absoluteTimeout: 120_000 }),
        secrets: [SECRET],
      }),
    );
    app.use(async (ctx) => {
      (await getSession<Data>(ctx).session()).set('raw', true);
      ctx.respond = false;
      ctx.res.writeHead(200);
      ctx.res.end('raw');
    });
    h = await listen(createServer(app.callback()));
    const reply = await send(`${h.url}/`);
    expect(reply.body).toBe('raw');
    expect(cookiePair(reply)).toBeDefined();
  });

  it('starting a session after the route wrote the headers itself throws HeadersSentError', async () => {
    let thrown: unknown;
    await start(async (ctx) => {
      ctx.respond = false;
      ctx.res.writeHead(200);
      ctx.res.write('partial');
      thrown = await ctx.session.session().catch((error: unknown) => error);
      ctx.res.end();
    });
    const reply = await send(`${h!.url}/`);
    expect(reply.body).toBe('partial');
    expect(reply.setCookies).toEqual([]);
    expect(thrown).toBeInstanceOf(HeadersSentError);
  });
});

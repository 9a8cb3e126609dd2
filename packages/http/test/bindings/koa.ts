import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa from 'koa';
import Koa2 from 'koa2';
import type { CsrfOptions } from '../../src/index.js';
import { getSession, koaCsrf, koaSession } from '../../src/index.js';
import type { Binding, Data } from '../helpers.js';
import { bigStream, listen, routes } from '../helpers.js';

/**
 * A tiny stand-in for `@koa/bodyparser`: URL-encoded and JSON bodies become a plain object on
 * `ctx.request.body`, where `koaCsrf` reads the token field.
 */
async function parseBody(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  const type = ctx.get('content-type');
  const form = type.startsWith('application/x-www-form-urlencoded');
  if (form || type.startsWith('application/json')) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = form ? Object.fromEntries(new URLSearchParams(text)) : text ? JSON.parse(text) : undefined;
    (ctx.request as { body?: unknown }).body = body;
  }
  await next();
}

/** `a`, then `b` 10 ms later: a body Koa is still piping after the headers went out. */
function slowStream(): Readable {
  return Readable.from(
    (async function* () {
      yield 'a';
      await sleep(10);
      yield 'b';
    })(),
  );
}

/** The Koa app of the matrix: `koaSession` (and the body parser plus `koaCsrf`), then the shared routes. */
function koaApp(app: Koa, options: Parameters<Binding['start']>[0], csrf?: CsrfOptions): Koa {
  if (csrf) app.use(parseBody);
  app.use(koaSession<Data>(options));
  if (csrf) app.use(koaCsrf(csrf));
  app.use(async (ctx) => {
    if (ctx.path === '/stream') {
      (await ctx.session.session()).set('streamed', true); // `ctx.session` is typed through Koa's DefaultContext
      ctx.type = 'text/plain';
      ctx.body = slowStream();
      return;
    }
    if (ctx.path === '/big') {
      (await ctx.session.session()).set('big', true);
      ctx.type = 'application/octet-stream';
      ctx.body = bigStream();
      return;
    }
    const route = routes[ctx.path];
    if (route) ctx.body = await route(getSession<Data>(ctx), new URLSearchParams(ctx.querystring));
  });
  return app;
}

/** Koa 3 (the `koa` package). */
export const koaBinding: Binding = {
  name: 'koa 3',
  async start(options, csrf) {
    return listen(createServer(koaApp(new Koa(), options, csrf).callback()));
  },
};

/** Koa 2 (the `koa2` alias package): the same app. */
export const koa2Binding: Binding = {
  name: 'koa 2',
  async start(options, csrf) {
    return listen(createServer(koaApp(new Koa2(), options, csrf).callback()));
  },
};

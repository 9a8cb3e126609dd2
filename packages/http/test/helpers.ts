import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadOptions, SessionStore, StoredSession } from '@sessionkit/core';
import { StoreUnavailableError } from '@sessionkit/core';
import express from 'express';
import Fastify from 'fastify';
import type { CsrfOptions, SessionContext, SessionHttpOptions } from '../src/index.js';
import {
  csrfProtection,
  csrfVerifier,
  fastifyCsrf,
  fastifySession,
  getSession,
  sessionMiddleware,
  withSession,
} from '../src/index.js';
import { express4Binding } from './bindings/express4.js';
import { honoBinding } from './bindings/hono.js';
import { koa2Binding, koaBinding } from './bindings/koa.js';
import { webBinding } from './bindings/web.js';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const OLD_SECRET = 'old-secret-0123456789-abcdefghijklmnopq';

/** Session data of the test app. */
export interface Data extends Record<string, unknown> {
  [key: string]: unknown;
}

type Route = (ctx: SessionContext<Data>, query: URLSearchParams) => Promise<unknown>;

const barriers = new Map<string, { count: number; open: () => void; opened: Promise<void> }>();

/** Resolves once `parties` requests reached the barrier `name` (or after 5 s, so a bug cannot hang a test). */
async function arrive(name: string, parties: number): Promise<void> {
  let barrier = barriers.get(name);
  if (!barrier) {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    barrier = { count: 0, open, opened };
    barriers.set(name, barrier);
  }
  if (++barrier.count >= parties) barrier.open();
  await Promise.race([barrier.opened, sleep(5000)]);
}

/** The same routes, mounted on every binding. */
export const routes: Record<string, Route> = {
  '/noop': async () => ({ ok: true }),
  '/whoami': async (ctx) => {
    const s = await ctx.get();
    return { user: s?.userId ?? null, data: s?.toJSON() ?? null, degraded: ctx.degraded };
  },
  '/set': async (ctx, q) => {
    const s = await ctx.session();
    s.set(q.get('k')!, q.get('v')!);
    return { ok: true };
  },
  '/read-then-set': async (ctx, q) => {
    // A plain read arms no response hooks for an unchanged session; the change after it must still be saved
    // (and its cookie sent) before the headers go out. The pause lets a binding flush anything it had queued.
    const s = await ctx.get();
    await sleep(1);
    s?.set(q.get('k')!, q.get('v')!);
    return { ok: true };
  },
  '/read-then-unset': async (ctx, q) => {
    (await ctx.get())?.unset(q.get('k')!);
    return { ok: true };
  },
  '/slow-set': async (ctx, q) => {
    const s = await ctx.session();
    // Every request of the same barrier has loaded its session before any of them writes: a real race.
    await arrive(q.get('barrier') ?? '', Number(q.get('parties') ?? 1));
    s.set(q.get('k')!, q.get('v')!);
    return { ok: true };
  },
  '/naive-increment': async (ctx, q) => {
    // Read, then write a value computed from what was read, without Session.update: stale if another
    // request of the same barrier committed first.
    const s = await ctx.session();
    const n = Number(s.get('n') ?? 0);
    await arrive(q.get('barrier') ?? '', Number(q.get('parties') ?? 1));
    s.set('n', n + 1);
    return { ok: true };
  },
  '/increment': async (ctx, q) => {
    const s = await ctx.session();
    await arrive(q.get('barrier') ?? '', Number(q.get('parties') ?? 1));
    s.update('n', (n) => Number(n ?? 0) + 1);
    return { ok: true };
  },
  '/login': async (ctx, q) => {
    const s = await ctx.regenerate({ userId: q.get('user')! });
    s.set('name', q.get('user')!);
    return { ok: true };
  },
  '/logout': async (ctx) => ({ destroyed: await ctx.destroy() }),
  '/logout-others': async (ctx) => ({ count: await ctx.destroyAllForUser() }),
  '/logout-everywhere': async (ctx) => ({ count: await ctx.destroyAllForUser({ exceptCurrent: false }) }),
  '/sessions': async (ctx) => (await ctx.listForUser()).map((s) => ({ key: s.key, current: s.current })),
  // CSRF: each renders the token a page would embed, after a different use of the session.
  '/form': async (ctx) => ({ token: ctx.csrfToken() }),
  '/whoami-form': async (ctx) => ({ user: (await ctx.get())?.userId ?? null, token: ctx.csrfToken() }),
  '/form-then-whoami': async (ctx) => {
    const token = ctx.csrfToken();
    return { user: (await ctx.get())?.userId ?? null, token };
  },
  '/session-form': async (ctx) => {
    await ctx.session();
    return { token: ctx.csrfToken() };
  },
  '/login-form': async (ctx, q) => {
    const s = await ctx.regenerate({ userId: q.get('user')! });
    s.set('name', q.get('user')!);
    return { token: ctx.csrfToken() };
  },
  '/logout-form': async (ctx) => ({ destroyed: await ctx.destroy(), token: ctx.csrfToken() }),
};

/** A running server. */
export interface Harness {
  url: string;
  close(): Promise<void>;
}

/** One framework binding. */
export interface Binding {
  name: string;
  /**
   * Starts the app; with `csrf`, it also parses form and JSON bodies and runs the binding's CSRF check.
   * `onError` is the binding's option of that name (every binding has it).
   */
  start(
    options: SessionHttpOptions<Data> & { onError?: (error: unknown) => void },
    csrf?: CsrfOptions,
  ): Promise<Harness>;
}

/** 4 MiB in 64 KiB chunks: enough to hit backpressure while the commit holds the first write. */
export const BIG_BYTES = 4 * 1024 * 1024;
export function bigStream(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < BIG_BYTES; sent += chunk.length) yield chunk;
    })(),
  );
}

export const query = (url: string | undefined): URLSearchParams => new URL(url ?? '/', 'http://x').searchParams;
const pathOf = (url: string | undefined): string => new URL(url ?? '/', 'http://x').pathname;

export function listen(server: ReturnType<typeof createServer>): Promise<Harness> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export const expressBinding: Binding = {
  name: 'express',
  async start(options, csrf) {
    const app = express();
    app.set('env', 'test'); // the final handler does not print expected 503s
    if (csrf) app.use(express.urlencoded({ extended: false }), express.json());
    app.use(sessionMiddleware<Data>(options));
    if (csrf) app.use(csrfProtection(csrf));
    for (const [path, route] of Object.entries(routes)) {
      app.all(path, async (req, res) => {
        res.json(await route(getSession<Data>(req), query(req.url)));
      });
    }
    app.get('/stream', async (req, res) => {
      const s = await getSession<Data>(req).session();
      s.set('streamed', true);
      res.setHeader('content-type', 'text/plain');
      res.write('a');
      await sleep(10);
      res.end('b');
    });
    app.get('/big', async (req, res) => {
      const s = await getSession<Data>(req).session();
      s.set('big', true);
      res.setHeader('content-type', 'application/octet-stream');
      bigStream().pipe(res);
    });
    return listen(createServer(app));
  },
};

export const fastifyBinding: Binding = {
  name: 'fastify',
  async start(options, csrf) {
    const app = Fastify();
    await app.register(fastifySession<Data>(options));
    if (csrf) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      await app.register(fastifyCsrf(csrf));
    }
    for (const [path, route] of Object.entries(routes)) {
      app.all(path, async (request) => route(getSession<Data>(request), query(request.url)));
    }
    app.get('/stream', async (request, reply) => {
      const s = await request.session.session();
      s.set('streamed', true);
      reply.type('text/plain');
      return Readable.from(['a', 'b']);
    });
    app.get('/big', async (request, reply) => {
      const s = await request.session.session();
      s.set('big', true);
      reply.type('application/octet-stream');
      return bigStream();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
};

export const nodeBinding: Binding = {
  name: 'node:http',
  async start(options, csrf) {
    const verifyCsrf = csrf && csrfVerifier(csrf);
    const handler = withSession<Data>(
      async (req, res, session) => {
        if (verifyCsrf) verifyCsrf(req, session, await readBody(req));
        const path = pathOf(req.url);
        if (path === '/stream') {
          const s = await session.session();
          s.set('streamed', true);
          res.setHeader('content-type', 'text/plain');
          res.write('a');
          await sleep(10);
          res.end('b');
          return;
        }
        if (path === '/big') {
          const s = await session.session();
          s.set('big', true);
          bigStream().pipe(res);
          return;
        }
        const route = routes[path];
        if (!route) {
          res.statusCode = 404;
          res.end();
          return;
        }
        const body = JSON.stringify(await route(session, query(req.url)));
        res.setHeader('content-type', 'application/json');
        res.end(body);
      },
      { onError: () => {}, ...options },
    );
    return listen(createServer(handler));
  },
};

/** A `node:http` request's body: `URLSearchParams` for a form, the parsed object for JSON, else `undefined`. */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(text);
  if (type.startsWith('application/json') && text) return JSON.parse(text) as unknown;
  return undefined;
}

/** Every binding; each test file runs its scenarios over all of them. */
export const bindings: Binding[] = [
  expressBinding,
  express4Binding,
  fastifyBinding,
  nodeBinding,
  koaBinding,
  koa2Binding,
  webBinding,
  honoBinding,
];

/** A response as the tests look at it. */
export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of any shape, read field by field in assertions
  body: any;
  setCookies: string[];
  headers: Headers;
}

/** Sends a request with an optional raw `Cookie` header and body (a form for `URLSearchParams`). */
export async function send(
  url: string,
  options: { method?: string; cookie?: string; headers?: Record<string, string>; body?: string | URLSearchParams } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  const response = await fetch(url, { method: options.method ?? 'GET', headers, body: options.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: response.status, body, setCookies: response.headers.getSetCookie(), headers: response.headers };
}

/**
 * `s` with the character at `i` changed: always a different character, so a forged token is never, by chance,
 * the genuine one (a fixed replacement such as `'A'` equals the original about once in 16 signatures).
 */
export const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

/** The `name=value` pair of the first Set-Cookie for `name`, or undefined. */
export function cookiePair(reply: Reply, name = '__Host-sid'): string | undefined {
  const line = reply.setCookies.find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** Whether the reply clears the cookie. */
export function clearsCookie(reply: Reply, name = '__Host-sid'): boolean {
  return reply.setCookies.some((c) => c.startsWith(`${name}=;`) && c.includes('Max-Age=0'));
}

/** A store wrapper that can be switched into an outage (every call rejects like a lost connection). */
export function switchableStore(inner: SessionStore): SessionStore & { down: boolean } {
  const fail = (operation: string) =>
    Promise.reject(new StoreUnavailableError('connection lost', { store: inner.name, operation }));
  const wrapper = {
    down: false,
    name: inner.name,
    capabilities: inner.capabilities,
    get: (key: string, options?: ReadOptions) => (wrapper.down ? fail('get') : inner.get(key, options)),
    create: (key: string, s: StoredSession) => (wrapper.down ? fail('create') : inner.create(key, s)),
    update: (key: string, s: StoredSession, v: number) => (wrapper.down ? fail('update') : inner.update(key, s, v)),
    touch: (key: string, at: number) => (wrapper.down ? fail('touch') : inner.touch(key, at)),
    delete: (key: string) => (wrapper.down ? fail('delete') : inner.delete(key)),
    listByUser: (userId: string) => (wrapper.down ? fail('listByUser') : inner.listByUser(userId)),
    deleteByUser: (userId: string) => (wrapper.down ? fail('deleteByUser') : inner.deleteByUser(userId)),
    close: () => inner.close(),
  };
  return wrapper as SessionStore & { down: boolean };
}

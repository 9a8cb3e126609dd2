/**
 * The Koa 3 benchmark servers (`frameworks.ts`): Koa + `koaSession` (@sessionkit/http) + `RedisSessionStore`;
 * Koa + koa-session 7 with koa-redis 4.0.1 (ioredis 4) as its external store, the peer; Koa alone; Koa behind a
 * do-nothing lazy session middleware. Each route is a plain middleware dispatching on method and path (no
 * router, the same for every variant). Run in a child process by `lib/http-server-child.ts`.
 *
 * koa-session runs with its defaults (`signed: true`, so its cookie comes with a `.sig` cookie; `rolling: false`,
 * so a read that changes nothing writes nothing) and `maxAge` = the idle timeout. It loads the session from the
 * store before every request, used or not. koa-redis 4 fits koa-session 7's store interface as it is: its
 * `get(key)`, `set(key, session, maxAge)` (a `SETEX` in seconds) and `destroy(key)` return promises, and
 * koa-session checks only that the three are functions (its option schema is parsed for validation, and the
 * store object itself is used).
 *
 * @module
 */
import type { ExtendableContext } from 'koa';
import { type BenchServer, benchServer } from '../lib/bench-server.js';
import { IDLE_MS, REDIS_URL, SECRET, type Variant } from '../lib/http-sides.js';
import {
  CEILING_COOKIE,
  ceilingRoutes,
  type LazyHandle,
  type RouteBodies,
  sessionkitRoutes,
} from '../lib/sessionkit-routes.js';

/** The three routes of one variant, on a Koa context. */
interface Handlers {
  login(ctx: ExtendableContext, user: string): RouteBodies['login'] | Promise<RouteBodies['login']>;
  read(ctx: ExtendableContext): RouteBodies['read'] | Promise<RouteBodies['read']>;
  write(ctx: ExtendableContext): RouteBodies['write'] | Promise<RouteBodies['write']>;
}

/** koa-session's `ctx.session`, as the peer's routes use it. */
type KoaSessionData = Record<string, unknown> & { regenerate(): Promise<void> };

/** Starts the `variant` server; see {@link BenchServer}. */
export async function serve(variant: Variant, prefix: string): Promise<BenchServer> {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  app.env = 'production';
  let close = async () => {};
  let handlers: Handlers;

  if (variant === 'sessionkit' || variant === 'sessionkit-near') {
    const { koaSession, getSession } = await import('@sessionkit/http');
    const { sessionkitOptions } = await import('../lib/server-setup.js');
    const sessionkit = sessionkitOptions(variant === 'sessionkit-near', prefix);
    app.use(koaSession(sessionkit.options));
    handlers = {
      login: (ctx, user) => sessionkitRoutes.login(getSession(ctx), user),
      read: (ctx) => sessionkitRoutes.read(getSession(ctx)),
      write: (ctx) => sessionkitRoutes.write(getSession(ctx)),
    };
    close = sessionkit.close;
  } else if (variant === 'bare' || variant === 'lazy-floor') {
    const routes = ceilingRoutes();
    const login = (ctx: ExtendableContext) => {
      ctx.set('set-cookie', CEILING_COOKIE);
      return routes.login();
    };
    if (variant === 'bare') {
      handlers = { login, read: routes.bareRead, write: routes.bareWrite };
    } else {
      // The least a lazily loading session middleware adds to Koa: one middleware that puts a handle on
      // `ctx.session` and calls `next`, and one `await` in each handler. The handle does no work.
      const floor = (ctx: ExtendableContext) => (ctx as unknown as { session: LazyHandle }).session;
      app.use(function lazyFloor(ctx, next) {
        (ctx as unknown as { session: LazyHandle }).session = routes.handle;
        return next();
      });
      handlers = {
        login,
        read: (ctx) => routes.floorRead(floor(ctx)),
        write: (ctx) => routes.floorWrite(floor(ctx)),
      };
    }
  } else {
    const { default: session } = await import('koa-session');
    const { default: redisStore } = await import('koa-redis');
    const store = redisStore({ url: REDIS_URL });
    app.keys = [SECRET];
    app.use(session({ store, prefix, maxAge: IDLE_MS, httpOnly: true, sameSite: 'lax', secure: false }, app));
    const data = (ctx: ExtendableContext) => (ctx as unknown as { session: KoaSessionData }).session;
    handlers = {
      async login(ctx, user) {
        data(ctx).user = user;
        data(ctx).count = 0;
        await data(ctx).regenerate();
        return { ok: true };
      },
      read: (ctx) => ({ user: (data(ctx).user as string | undefined) ?? null, count: data(ctx).count ?? null }),
      write(ctx) {
        const count = ((data(ctx).count as number | undefined) ?? 0) + 1;
        data(ctx).count = count;
        return { count };
      },
    };
    close = async () => {
      await store.quit();
    };
  }

  // The routes, last in the chain. A handler's body is awaited only when it is a promise (the bare ones answer
  // synchronously, as in the other frameworks).
  const route = (ctx: ExtendableContext) => {
    if (ctx.method === 'GET' && ctx.path === '/read') return handlers.read(ctx);
    if (ctx.method === 'POST' && ctx.path === '/write') return handlers.write(ctx);
    if (ctx.method === 'POST' && ctx.path === '/login') return handlers.login(ctx, String(ctx.query.u));
    return undefined;
  };
  app.use((ctx) => {
    const body = route(ctx);
    if (!(body instanceof Promise)) {
      ctx.body = body;
      return;
    }
    return body.then((value) => {
      ctx.body = value;
    });
  });
  return benchServer(app.listen(0, '127.0.0.1'), close);
}

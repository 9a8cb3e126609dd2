/**
 * The Fastify 5 benchmark servers (`frameworks.ts`): Fastify + `fastifySession` (@sessionkit/http) +
 * `RedisSessionStore`; Fastify + @fastify/session 11 + @fastify/cookie 11 + connect-redis 9 (redis 5) as the peer;
 * Fastify alone; Fastify with a do-nothing lazy session decorator. Run in a child process by
 * `lib/http-server-child.ts`.
 *
 * The peer keeps @fastify/session's defaults but `saveUninitialized: false` (as express-session in the Express
 * row): so `rolling: true`, the default, which saves the session on every response. That save is how
 * @fastify/session keeps an idle timeout (it has no touch), where express-session sends connect-redis's touch
 * (`EXPIRE`) and SessionKit touches at most once a minute: a read costs the peer a `GET` and a `SET`.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { BenchServer } from '../lib/bench-server.js';
import { IDLE_MS, SECRET, type Variant } from '../lib/http-sides.js';
import { CEILING_COOKIE, ceilingRoutes, type LazyHandle, sessionkitRoutes } from '../lib/sessionkit-routes.js';

/**
 * @fastify/session's `request.session`, as the peer's routes use it: @sessionkit/http and @fastify/session both
 * declare `FastifyRequest.session`, each with its own type, so the peer's and the floor's routes cast.
 */
interface FastifySessionObject {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  regenerate(): Promise<void>;
}

const user = (request: FastifyRequest) => String((request.query as { u?: string }).u);

/** Starts the `variant` server; see {@link BenchServer}. */
export async function serve(variant: Variant, prefix: string): Promise<BenchServer> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  let close = async () => {};

  if (variant === 'sessionkit' || variant === 'sessionkit-near') {
    const { fastifySession, getSession } = await import('@sessionkit/http');
    const { sessionkitOptions } = await import('../lib/server-setup.js');
    const sessionkit = sessionkitOptions(variant === 'sessionkit-near', prefix);
    await app.register(fastifySession(sessionkit.options));
    app.post('/login', (request) => sessionkitRoutes.login(getSession(request), user(request)));
    app.get('/read', (request) => sessionkitRoutes.read(getSession(request)));
    app.post('/write', (request) => sessionkitRoutes.write(getSession(request)));
    close = sessionkit.close;
  } else if (variant === 'bare' || variant === 'lazy-floor') {
    const routes = ceilingRoutes();
    app.post('/login', (_request, reply) => {
      reply.header('set-cookie', CEILING_COOKIE);
      return routes.login();
    });
    if (variant === 'bare') {
      app.get('/read', () => routes.bareRead());
      app.post('/write', () => routes.bareWrite());
    } else {
      // The least a lazily loading session plugin adds to Fastify: the request decorated with `session`, one
      // `onRequest` hook that sets it to a handle, and one `await` in each handler. The handle does no work.
      app.decorateRequest('session', null as never);
      const floor = (request: FastifyRequest) => (request as unknown as { session: LazyHandle }).session;
      app.addHook('onRequest', (request, _reply, done) => {
        (request as unknown as { session: LazyHandle }).session = routes.handle;
        done();
      });
      app.get('/read', (request) => routes.floorRead(floor(request)));
      app.post('/write', (request) => routes.floorWrite(floor(request)));
    }
  } else {
    const { default: fastifyCookie } = await import('@fastify/cookie');
    const { default: fastifySessionPlugin } = await import('@fastify/session');
    const { connectRedisStore } = await import('../lib/server-setup.js');
    const redis = await connectRedisStore(prefix);
    await app.register(fastifyCookie);
    await app.register(fastifySessionPlugin, {
      secret: SECRET,
      // connect-redis is written for express-session; @fastify/session documents it as a store.
      store: redis.store as unknown as import('@fastify/session').SessionStore,
      saveUninitialized: false,
      cookie: { maxAge: IDLE_MS, httpOnly: true, sameSite: 'lax', secure: false },
    });
    const data = (request: FastifyRequest) => (request as unknown as { session: FastifySessionObject }).session;
    app.post('/login', async (request) => {
      await data(request).regenerate();
      data(request).set('user', user(request));
      data(request).set('count', 0);
      return { ok: true };
    });
    app.get('/read', async (request) => ({
      user: data(request).get('user') ?? null,
      count: data(request).get('count') ?? null,
    }));
    app.post('/write', async (request) => {
      const count = ((data(request).get('count') as number | undefined) ?? 0) + 1;
      data(request).set('count', count);
      return { count };
    });
    close = redis.close;
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close().then(close),
  };
}

/**
 * The Hono 4 benchmark servers on @hono/node-server (`frameworks.ts`): Hono + `honoSession` (@sessionkit/http) +
 * `RedisSessionStore`; Hono + hono-sessions 0.8.1 as the peer; Hono alone; Hono behind a do-nothing lazy
 * session middleware. Run in a child process by `lib/http-server-child.ts`.
 *
 * hono-sessions ships no Redis store (only `CookieStore`, `MemoryStore` and a Bun SQLite store; Redis drivers are
 * left to its community), so the peer runs with `CookieStore`, the store of its README's examples ("cookie-based
 * sessions"): the whole session is encrypted (iron-webcrypto) into the cookie, and no server-side store is
 * called at all. It is not a like-for-like comparison with a Redis-backed session, and the report says so. With
 * its defaults (`autoExtendExpiration: true`) the middleware records the access time on every request, so it
 * decrypts the cookie and encrypts a new one on every request, reads included.
 *
 * @module
 */
import type { Server } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { type BenchServer, benchServer } from '../lib/bench-server.js';
import { IDLE_MS, SECRET, type Variant } from '../lib/http-sides.js';
import { CEILING_COOKIE, ceilingRoutes, type LazyHandle, sessionkitRoutes } from '../lib/sessionkit-routes.js';

/** An app's request handler, as @hono/node-server takes it. */
type Fetch = (request: Request) => Response | Promise<Response>;

/** Starts the `variant` server; see {@link BenchServer}. */
export async function serve(variant: Variant, prefix: string): Promise<BenchServer> {
  const { Hono } = await import('hono');
  const { serve: listen } = await import('@hono/node-server');
  let close = async () => {};
  let fetch: Fetch;

  if (variant === 'sessionkit' || variant === 'sessionkit-near') {
    const { honoSession } = await import('@sessionkit/http');
    const { sessionkitOptions } = await import('../lib/server-setup.js');
    const sessionkit = sessionkitOptions(variant === 'sessionkit-near', prefix);
    const app = new Hono<import('@sessionkit/http').SessionEnv>();
    app.use(honoSession(sessionkit.options));
    app.post('/login', async (c) => c.json(await sessionkitRoutes.login(c.get('session'), String(c.req.query('u')))));
    app.get('/read', async (c) => c.json(await sessionkitRoutes.read(c.get('session'))));
    app.post('/write', async (c) => c.json(await sessionkitRoutes.write(c.get('session'))));
    fetch = app.fetch;
    close = sessionkit.close;
  } else if (variant === 'bare' || variant === 'lazy-floor') {
    const routes = ceilingRoutes();
    const app = new Hono<{ Variables: { session: LazyHandle } }>();
    if (variant === 'lazy-floor') {
      // The least a lazily loading session middleware adds to Hono: one middleware that sets the `session`
      // variable to a handle and calls `next`, and one `await` in each handler. The handle does no work.
      const lazyFloor: MiddlewareHandler<{ Variables: { session: LazyHandle } }> = (c, next) => {
        c.set('session', routes.handle);
        return next();
      };
      app.use(lazyFloor);
      app.get('/read', async (c) => c.json(await routes.floorRead(c.get('session'))));
      app.post('/write', async (c) => c.json(await routes.floorWrite(c.get('session'))));
    } else {
      app.get('/read', (c) => c.json(routes.bareRead()));
      app.post('/write', (c) => c.json(routes.bareWrite()));
    }
    app.post('/login', (c) => {
      c.header('set-cookie', CEILING_COOKIE);
      return c.json(routes.login());
    });
    fetch = app.fetch;
  } else {
    const { CookieStore, sessionMiddleware } = await import('hono-sessions');
    type PeerSession = import('hono-sessions').Session<{ user: string; count: number }>;
    const app = new Hono<{ Variables: { session: PeerSession } }>();
    app.use(
      sessionMiddleware({
        store: new CookieStore(),
        encryptionKey: SECRET,
        expireAfterSeconds: IDLE_MS / 1000,
        cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
      }),
    );
    app.post('/login', (c) => {
      c.get('session').set('user', String(c.req.query('u')));
      c.get('session').set('count', 0);
      return c.json({ ok: true });
    });
    app.get('/read', (c) =>
      c.json({ user: c.get('session').get('user') ?? null, count: c.get('session').get('count') }),
    );
    app.post('/write', (c) => {
      const count = (c.get('session').get('count') ?? 0) + 1;
      c.get('session').set('count', count);
      return c.json({ count });
    });
    fetch = app.fetch;
  }

  return benchServer(listen({ fetch, port: 0, hostname: '127.0.0.1' }) as Server, close);
}

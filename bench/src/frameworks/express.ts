/**
 * The Express 5 benchmark servers (`http.ts`, `http-cpu.ts`): Express + `sessionMiddleware` (@sessionkit/http) +
 * `RedisSessionStore`; Express + express-session + connect-redis 9 (redis 5) as the peer (`resave: false`,
 * `saveUninitialized: false`, so a read costs its `GET` and connect-redis's touch, an `EXPIRE`); Express alone;
 * Express behind a do-nothing lazy session middleware. Run in a child process by `lib/http-server-child.ts`.
 *
 * @module
 */
import { type BenchServer, benchServer } from '../lib/bench-server.js';
import { IDLE_MS, SECRET, type Variant } from '../lib/http-sides.js';
import { addSessionKitRoutes, CEILING_COOKIE, ceilingRoutes, type LazyHandle } from '../lib/sessionkit-routes.js';

/** Starts the `variant` server; see {@link BenchServer}. */
export async function serve(variant: Variant, prefix: string): Promise<BenchServer> {
  const { default: express } = await import('express');
  const app = express();
  app.set('env', 'production');
  app.set('etag', false);
  let close: () => Promise<void>;

  if (variant === 'sessionkit' || variant === 'sessionkit-near') {
    const { sessionMiddleware } = await import('@sessionkit/http');
    const { sessionkitOptions } = await import('../lib/server-setup.js');
    const sessionkit = sessionkitOptions(variant === 'sessionkit-near', prefix);
    app.use(sessionMiddleware(sessionkit.options));
    addSessionKitRoutes(app);
    close = sessionkit.close;
  } else if (variant === 'bare' || variant === 'lazy-floor') {
    const routes = ceilingRoutes();
    app.post('/login', (_req, res) => {
      res.setHeader('set-cookie', CEILING_COOKIE);
      res.json(routes.login());
    });
    if (variant === 'bare') {
      app.get('/read', (_req, res) => {
        res.json(routes.bareRead());
      });
      app.post('/write', (_req, res) => {
        res.json(routes.bareWrite());
      });
    } else {
      // The least any lazily loading session middleware adds to Express: one middleware layer that puts a
      // handle on `req.session`, and one `await` in each handler (where SessionKit's routes await
      // `getSession(req).get()`). The handle does no work at all.
      app.use(function lazyFloor(req, _res, next) {
        (req as unknown as { session: LazyHandle }).session = routes.handle;
        next();
      });
      const floor = (req: unknown) => (req as { session: LazyHandle }).session;
      app.get('/read', async (req, res) => {
        res.json(await routes.floorRead(floor(req)));
      });
      app.post('/write', async (req, res) => {
        res.json(await routes.floorWrite(floor(req)));
      });
    }
    close = async () => {};
  } else {
    const { default: session } = await import('express-session');
    const { connectRedisStore } = await import('../lib/server-setup.js');
    const redis = await connectRedisStore(prefix);
    app.use(
      session({
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        store: redis.store,
        cookie: { maxAge: IDLE_MS, httpOnly: true, sameSite: 'lax', secure: false },
      }),
    );
    const data = (req: unknown) =>
      (req as { session: Record<string, unknown> & { regenerate(cb: (e?: unknown) => void): void } }).session;
    app.post('/login', (req, res, next) => {
      data(req).regenerate((error) => {
        if (error) return next(error);
        data(req).user = String(req.query.u);
        data(req).count = 0;
        res.json({ ok: true });
      });
    });
    app.get('/read', (req, res) => {
      res.json({ user: data(req).user ?? null, count: data(req).count ?? null });
    });
    app.post('/write', (req, res) => {
      const count = ((data(req).count as number | undefined) ?? 0) + 1;
      data(req).count = count;
      res.json({ count });
    });
    close = redis.close;
  }

  return benchServer(app.listen(0, '127.0.0.1'), close);
}

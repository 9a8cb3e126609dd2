/**
 * The three routes every HTTP benchmark app serves (`POST /login?u=`, `GET /read`, `POST /write`), written once
 * for every framework so all measure the same work: {@link sessionkitRoutes} on a SessionKit
 * {@link SessionContext}, and {@link ceilingRoutes} for the two ceilings (no session at all, and a do-nothing
 * lazy session handle). Each framework's server (`src/frameworks/`) only maps its request to these and sends the
 * JSON they return. {@link addSessionKitRoutes} is the Express mapping, shared with the legacy-option benchmark.
 *
 * @module
 */
import { getSession, type SessionContext } from '@sessionkit/http';
import type express from 'express';

/** The JSON bodies of the three routes. */
export interface RouteBodies {
  login: { ok: true };
  read: { user: string | null; count: unknown };
  write: { count: unknown };
}

/** The routes on a SessionKit session: login regenerates, read loads, write changes one key. */
export const sessionkitRoutes = {
  async login(ctx: SessionContext, user: string): Promise<RouteBodies['login']> {
    const session = await ctx.regenerate({ userId: user });
    session.set('count', 0);
    return { ok: true };
  },
  async read(ctx: SessionContext): Promise<RouteBodies['read']> {
    const session = await ctx.get();
    return { user: session?.userId ?? null, count: session?.get('count') ?? null };
  },
  async write(ctx: SessionContext): Promise<RouteBodies['write']> {
    // Session.update: two writes racing on one session both land (a read-then-set would answer 409 to one;
    // see docs/concurrency.md).
    const session = await ctx.session();
    return { count: session.update('count', (count) => ((count as number | undefined) ?? 0) + 1) };
  },
};

/** The handle a do-nothing lazy session middleware puts on each request: `get()` resolves at once, no work. */
export interface LazyHandle {
  get(): Promise<number>;
}

/** The cookie the ceilings' login sets (they keep no session; the load sends it back like any other). */
export const CEILING_COOKIE = 'sid=none; Path=/; HttpOnly';

/**
 * The routes of the two ceilings, on one in-process counter: `bare*` use no session at all; `floor*` await the
 * lazy handle once per request, where SessionKit's routes await `ctx.get()` or `ctx.session()`.
 */
export function ceilingRoutes() {
  let count = 0;
  const handle: LazyHandle = { get: () => Promise.resolve(count) };
  return {
    handle,
    login: (): RouteBodies['login'] => ({ ok: true }),
    bareRead: (): RouteBodies['read'] => ({ user: 'user0', count }),
    bareWrite: (): RouteBodies['write'] => ({ count: ++count }),
    async floorRead(session: LazyHandle): Promise<RouteBodies['read']> {
      return { user: 'user0', count: await session.get() };
    },
    async floorWrite(session: LazyHandle): Promise<RouteBodies['write']> {
      await session.get();
      return { count: ++count };
    },
  };
}

/** Adds the login, read and write routes to an Express app that already runs `sessionMiddleware`. */
export function addSessionKitRoutes(app: express.Express): void {
  app.post('/login', async (req, res) => {
    res.json(await sessionkitRoutes.login(getSession(req), String(req.query.u)));
  });
  app.get('/read', async (req, res) => {
    res.json(await sessionkitRoutes.read(getSession(req)));
  });
  app.post('/write', async (req, res) => {
    res.json(await sessionkitRoutes.write(getSession(req)));
  });
}

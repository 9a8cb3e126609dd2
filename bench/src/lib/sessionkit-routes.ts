/**
 * The three SessionKit routes every HTTP benchmark app serves (`POST /login?u=`, `GET /read`, `POST /write`),
 * shared by the HTTP benchmark and the legacy-option benchmark so both measure the same work.
 *
 * @module
 */
import { getSession } from '@sessionkit/http';
import type express from 'express';

/** Adds the login, read and write routes to an Express app that already runs `sessionMiddleware`. */
export function addSessionKitRoutes(app: express.Express): void {
  app.post('/login', async (req, res) => {
    const session = await getSession(req).regenerate({ userId: String(req.query.u) });
    session.set('count', 0);
    res.json({ ok: true });
  });
  app.get('/read', async (req, res) => {
    const session = await getSession(req).get();
    res.json({ user: session?.userId ?? null, count: session?.get('count') ?? null });
  });
  app.post('/write', async (req, res) => {
    // Session.update: two writes racing on one session both land (a read-then-set would answer 409 to one;
    // see docs/concurrency.md).
    const session = await getSession(req).session();
    res.json({ count: session.update('count', (count) => ((count as number | undefined) ?? 0) + 1) });
  });
}

/**
 * "Active sessions": the signed-in user lists their sessions, revokes one, or logs out everywhere else.
 * Sessions are addressed by store key (a hash), which cannot be used as a session token.
 *
 * @module
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { ShopDeps } from '../request.js';
import { currentUser, field, pageContext, postedSession, redirect, sendPage, sessionContext } from '../request.js';
import { sessionsPage } from '../views/sessions.js';

const STORE_KEY = /^[A-Za-z0-9_-]{20,100}$/;

/** `GET /account/sessions`, `POST /account/sessions/revoke`, `POST /account/sessions/revoke-others`. */
export function sessionRoutes(deps: ShopDeps): Router {
  const router = Router();

  router.get('/account/sessions', async (req: Request, res: Response) => {
    const { page } = await pageContext(req, deps);
    if (!page.user) return redirect(res, '/login?next=/account/sessions');
    const sessions = await sessionContext(req).listForUser();
    sendPage(res, sessionsPage(page, sessions));
  });

  router.post('/account/sessions/revoke', async (req: Request, res: Response) => {
    const session = await postedSession(req);
    if (!currentUser(deps, session)) return redirect(res, '/login?next=/account/sessions');
    const key = field(req, 'key');
    const ctx = sessionContext(req);
    const wasCurrent = key === session?.key;
    // destroyForUser only ever deletes a session owned by this user, whatever key is posted.
    const revoked = STORE_KEY.test(key) ? await ctx.destroyForUser(key) : false;
    if (wasCurrent) return redirect(res, '/login');
    session?.set(
      'flash',
      revoked ? 'The session was revoked: that browser is signed out.' : 'That session had already ended.',
    );
    redirect(res, '/account/sessions');
  });

  router.post('/account/sessions/revoke-others', async (req: Request, res: Response) => {
    const session = await postedSession(req);
    if (!currentUser(deps, session)) return redirect(res, '/login?next=/account/sessions');
    const count = await sessionContext(req).destroyAllForUser();
    session?.set('flash', `Signed out ${count} other session(s).`);
    redirect(res, '/account/sessions');
  });

  return router;
}

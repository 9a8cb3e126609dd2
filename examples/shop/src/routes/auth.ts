/**
 * Login and logout. Login checks the scrypt hash, then regenerates the session with the user as its owner (a
 * new ID; the anonymous one is dead at once; the cart carries over), which also changes the anti-CSRF token
 * (it is derived from the ID). Logout destroys the session in the store and clears the cookie.
 *
 * @module
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { ShopDeps } from '../request.js';
import { field, pageContext, redirect, safeNext, sendPage, sessionContext } from '../request.js';
import { describeBrowser } from '../shop-session.js';
import { loginPage } from '../views/login.js';

/** `GET/POST /login`, `POST /logout`. */
export function authRoutes(deps: ShopDeps): Router {
  const router = Router();

  router.get('/login', async (req: Request, res: Response) => {
    const { page } = await pageContext(req, deps);
    const next = safeNext(req.query.next);
    if (page.user) return redirect(res, next);
    sendPage(res, loginPage(page, { next, demoUsers: deps.demoUsers }));
  });

  router.post('/login', async (req: Request, res: Response) => {
    const next = safeNext(field(req, 'next'));
    const username = field(req, 'username').slice(0, 100);
    const user = await deps.users.verify(username, field(req, 'password').slice(0, 200));
    if (!user) {
      const { page } = await pageContext(req, deps);
      return sendPage(
        res,
        loginPage(page, { next, username, error: 'Wrong username or password.', demoUsers: deps.demoUsers }),
        401,
      );
    }
    const session = await sessionContext(req).regenerate({ userId: user.id });
    session.set('device', {
      browser: describeBrowser(req.get('user-agent')),
      loginAt: Date.now(),
      instance: deps.instance,
    });
    session.set('flash', `Welcome back, ${user.displayName}!`);
    redirect(res, next);
  });

  router.post('/logout', async (req: Request, res: Response) => {
    await sessionContext(req).destroy();
    redirect(res, '/');
  });

  return router;
}

/**
 * The Express application: security headers, the SessionKit middleware, the routes, and error pages.
 * No listening and no store choice here: {@link createShopApp} takes a ready {@link SessionManager}, so tests
 * and the cluster demo build the same app on any backend.
 *
 * @module
 */

import type { SessionManager } from '@sessionkit/core';
import type { Secrets } from '@sessionkit/http';
import { csrfProtection, SessionHttpError, sessionMiddleware } from '@sessionkit/http';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import type { OperatorPeer } from './config.js';
import { sessionCookieName } from './config.js';
import type { ShopDeps } from './request.js';
import { bareContext, sendPage } from './request.js';
import { authRoutes } from './routes/auth.js';
import { operatorRoutes } from './routes/operator.js';
import { sessionRoutes } from './routes/sessions.js';
import { shopRoutes } from './routes/shop.js';
import type { ShopSession } from './shop-session.js';
import type { ShopTelemetry } from './telemetry.js';
import { errorPage } from './views/error.js';
import { STYLESHEET } from './views/styles.js';

/** Options of {@link createShopApp}. */
export interface ShopAppOptions extends ShopDeps {
  /** The session lifecycle on the chosen store. */
  manager: SessionManager<ShopSession>;
  /** Cookie signing secrets (the first signs, all verify). Every instance of a cluster needs the same list. */
  secrets: Secrets;
  /**
   * Mark the cookie `Secure` (and name it `__Host-sid`). Default `false` because the demo serves plain
   * HTTP on localhost; set it whenever the shop is reached over HTTPS.
   */
  secureCookie?: boolean;
  /** Called with unexpected errors (500s) and session commit failures. Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * Serve `/metrics` from this telemetry and the `/operator` page, showing this instance and `peers`, and count
   * the session middleware's HTTP outcomes in it. Absent: neither route exists.
   */
  operator?: { telemetry: ShopTelemetry; peers: readonly OperatorPeer[] };
}

/** Builds the shop's Express app. */
export function createShopApp(options: ShopAppOptions): express.Express {
  const {
    manager,
    secrets,
    secureCookie = false,
    onError = (e: unknown) => console.error(e),
    operator,
    ...deps
  } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'X-Served-By': deps.instance,
      'Content-Security-Policy':
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
    next();
  });

  // No session work for health checks, the stylesheet and the operator endpoints.
  app.get('/healthz', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ ok: true, instance: deps.instance });
  });
  app.get('/shop.css', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=300').type('css').send(STYLESHEET);
  });
  if (operator) app.use(operatorRoutes(deps, operator.telemetry, operator.peers));

  app.use(
    sessionMiddleware<ShopSession>({
      manager,
      secrets,
      cookie: { name: sessionCookieName(secureCookie), secure: secureCookie },
      onError,
      ...(operator ? { onOutcome: operator.telemetry.onOutcome } : {}),
    }),
  );
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store'); // pages are per session
    next();
  });
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  // Every POST needs the form's token (derived from the session ID) and a same-origin Origin/Sec-Fetch-Site;
  // refusals reach the error handler below, which renders them as a page. No store call either way.
  app.use(csrfProtection({ forwardErrors: true }));
  app.use(shopRoutes(deps), authRoutes(deps), sessionRoutes(deps));

  app.use((_req: Request, res: Response) => {
    sendPage(res, errorPage(bareContext(deps), 404, 'Not found', 'There is no such page in this shop.'), 404);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
    if (res.headersSent) return;
    if (error instanceof SessionHttpError) {
      // A refused form (403: CSRF), a concurrent change (409), a store outage or contention (503 with
      // Retry-After): expected, no 500.
      res.set(error.headers);
      const title =
        error.status === 403
          ? 'Please reload and try again'
          : error.status === 409
            ? 'Changed in another tab'
            : 'Temporarily unavailable';
      return sendPage(res, errorPage(bareContext(deps), error.status, title, error.publicMessage), error.status);
    }
    if (status >= 400 && status < 500) {
      return sendPage(
        res,
        errorPage(bareContext(deps), status, 'Bad request', 'The shop could not understand this request.'),
        status,
      );
    }
    onError(error);
    sendPage(res, errorPage(bareContext(deps), 500, 'Something went wrong', 'An unexpected error occurred.'), 500);
  });
  return app;
}

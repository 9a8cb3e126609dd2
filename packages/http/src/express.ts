/**
 * Express 4 and 5 binding. `sessionMiddleware(options)` returns a named middleware that puts a lazy
 * {@link SessionContext} on `req.session` and commits it before the response headers are sent;
 * `csrfProtection(options)` returns the CSRF check as a middleware.
 *
 * Express is not imported: the middleware is typed over `node:http`, which Express's `req`/`res` extend, so it
 * also works with Connect-style servers. The two majors differ in two places that matter here: Express 4 does
 * not catch a rejected promise from an `async` handler (pass session errors to `next` yourself, see
 * {@link sessionMiddleware}), and its `req.host` drops the port (so {@link csrfProtection} does not read it).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionData } from '@sessionkit/core';
import { getSession } from './attach.js';
import type { SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import { ResponseCommitHooks, sendFailure } from './intercept.js';
import type { SessionHttpOptions } from './options.js';
import { requestOrigin } from './request-origin.js';
import { SessionHttp } from './session-http.js';

/** Options of {@link sessionMiddleware}. */
export interface ExpressSessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /**
   * Receives commit failures after their response (503, 409 or 500) was sent, for logging. Default: none (the
   * client got the response). Errors never contain raw session IDs.
   */
  onError?: (error: unknown) => void;
}

/** An Express/Connect request after {@link sessionMiddleware} ran. */
export type SessionRequest<T extends SessionData = SessionData> = IncomingMessage & { session: SessionContext<T> };

/** A Connect/Express middleware function. */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Express 4 and 5 middleware. Mount it before the routes that use sessions:
 * ```ts
 * app.use(sessionMiddleware<MyData>({ manager, secrets: [process.env.SESSION_SECRET!] }));
 * app.get('/', async (req, res) => { const s = await getSession<MyData>(req).get(); ... });
 * ```
 * `req.session` holds the {@link SessionContext}; for typed access use {@link getSession} (which reads it) or
 * {@link SessionRequest}. Store outages reject with a 503 error ({@link SessionUnavailableError}) that
 * Express's final handler sends as 503 once it reaches `next(error)`: Express 5 does that for a rejected
 * `async` handler, Express 4 does not (the request would hang), so on Express 4 catch and forward it:
 * `app.get('/', (req, res, next) => handler(req, res).catch(next))`.
 */
export function sessionMiddleware<T extends SessionData = SessionData>(
  options: ExpressSessionOptions<T> | SessionHttp<T>,
): SessionMiddleware {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  const onError = options instanceof SessionHttp ? undefined : options.onError;
  return function sessionKitMiddleware(req, res, next) {
    const ctx: SessionContext<T> = http.context(req.headers, new ResponseCommitHooks(res, onError));
    (req as SessionRequest<T>).session = ctx;
    next();
  };
}

/** Options of {@link csrfProtection}. */
export interface ExpressCsrfOptions extends CsrfOptions {
  /**
   * Hand a refusal ({@link CsrfError}, `status` 403) to Express's error handling with `next(error)` instead of
   * answering it here, so the app's error handler can render its own page. Default `false`: answered here
   * with the documented 403 body.
   */
  forwardErrors?: boolean;
}

/** What {@link csrfProtection} reads from an Express request besides `node:http`'s fields. */
type ExpressRequestFields = IncomingMessage & {
  body?: unknown;
  protocol?: unknown;
  app?: { get?: (setting: string) => unknown };
};

/**
 * Express 4 and 5 CSRF middleware ({@link CsrfGuard}): mount it after the body parser and after
 * {@link sessionMiddleware}, before the routes it protects:
 * ```ts
 * app.use(express.urlencoded({ extended: false }));
 * app.use(sessionMiddleware<MyData>({ manager, secrets }));
 * app.use(csrfProtection({ trustedOrigins: ['https://admin.shop.example'] }));
 * app.get('/form', (req, res) => res.send(`<input type="hidden" name="_csrf" value="${getSession(req).csrfToken()}">`));
 * ```
 * A refused request is answered 403 here ({@link CsrfError}, JSON or text by `Accept`; or passed to the app's
 * error handler with `forwardErrors`) and never reaches the routes; the check makes no store call. The request's
 * own origin is `req.protocol` plus the `Host` header, or `X-Forwarded-Host` when Express's `trust proxy` setting
 * trusts the peer (what Express 5's `req.host` returns, on both majors). Routes mounted before it (webhooks, for
 * one) are not checked.
 */
export function csrfProtection(options: ExpressCsrfOptions = {}): SessionMiddleware {
  const guard = new CsrfGuard(options);
  return function sessionKitCsrf(req, res, next) {
    if (!guard.appliesTo(req.method)) return next();
    const request = req as ExpressRequestFields;
    const error = guard.check(
      {
        method: req.method,
        headers: req.headers,
        body: request.body,
        ownOrigin: () => expressOrigin(request),
      },
      getSession(req),
    );
    if (error === undefined) return next();
    if (options.forwardErrors) return next(error);
    sendFailure(res, error);
  };
}

/**
 * An Express request's own origin, `req.protocol` (which applies the trust-proxy setting) plus the host with its
 * port: the first `X-Forwarded-Host` when the compiled trust-proxy function (`app.get('trust proxy fn')`, the same
 * in Express 4 and 5) trusts the peer, else `Host`. That is Express 5's `req.host`; Express 4's `req.host` is
 * deprecated and drops the port, so it is not read. A Connect server has neither setting and gets node's view
 * ({@link requestOrigin}).
 */
function expressOrigin(req: ExpressRequestFields): string | undefined {
  const trust = req.app?.get?.('trust proxy fn');
  if (typeof req.protocol !== 'string' || typeof trust !== 'function') return requestOrigin(req);
  const forwarded = req.headers['x-forwarded-host'];
  const host =
    typeof forwarded === 'string' && forwarded !== '' && trust(req.socket.remoteAddress, 0)
      ? forwarded.split(',', 1)[0]!.trim()
      : req.headers.host;
  return host ? `${req.protocol}://${host}` : undefined;
}

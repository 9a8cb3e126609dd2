/**
 * Hono 4 binding, built on the Web-standard one ({@link webSessions}): `honoSession(options)` is a middleware
 * that puts the request's {@link SessionContext} in the context variable `session` and commits it into
 * `c.res` after the handlers ran; `honoCsrf(options)` runs the CSRF check on the parsed body. Hono is imported
 * for its types only, so it runs wherever Hono does (Node through `@hono/node-server`, Bun, Deno, ...).
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import { SessionHttpError } from './errors.js';
import type { SessionHttp } from './session-http.js';
import type { WebSessionOptions } from './web.js';
import { checkWebCsrf, webErrorResponse, webSessions } from './web.js';

/** The context variables {@link honoSession} sets: `c.get('session')` / `c.var.session`. */
export interface SessionVariables<T extends SessionData = SessionData> {
  /** The SessionKit session of this request. */
  session: SessionContext<T>;
}

/** A Hono environment with the session variable, for `new Hono<SessionEnv<MyData>>()`. */
export interface SessionEnv<T extends SessionData = SessionData> {
  /** See {@link SessionVariables}. */
  Variables: SessionVariables<T>;
}

/**
 * The Hono middleware. Mount it before the routes that use sessions:
 * ```ts
 * const app = new Hono<SessionEnv<AppSession>>();
 * app.use(honoSession<AppSession>({ manager, secrets: [process.env.SESSION_SECRET!] }));
 * app.get('/cart', async (c) => c.json((await c.var.session.get())?.get('cart') ?? []));
 * ```
 * After the handlers ran it commits the session into `c.res` (adding `Set-Cookie`; a commit that fails answers
 * 503 or 409 instead, see {@link WebSessionScope.commit}). A route that throws a {@link SessionHttpError} (store
 * outage 503, conflict 409, CSRF 403) gets that error's response rather than the 500 of Hono's default error
 * handler; an `app.onError` that answers it with the error's own status is left alone. Hono's default handler
 * still prints the error (`console.error`) before this middleware replaces its 500: an app that wants its logs
 * free of expected 503s answers them in its own `onError`, e.g.
 * `app.onError((err, c) => (err instanceof SessionHttpError ? webErrorResponse(err, c.req.raw) : c.text('Internal Server Error', 500)))`.
 */
export function honoSession<T extends SessionData = SessionData>(
  options: WebSessionOptions<T> | SessionHttp<T>,
): MiddlewareHandler<SessionEnv<T>> {
  const sessions = webSessions<T>(options);
  return async function sessionKitHono(c, next) {
    const scope = sessions.open(c.req.raw);
    c.set('session', scope.session);
    await next();
    const error = c.error;
    const response =
      error instanceof SessionHttpError && c.res.status !== error.status ? webErrorResponse(error, c.req.raw) : c.res;
    const committed = await scope.commit(response);
    if (committed === c.res) return;
    // Assigning `c.res` over a response merges the old one's headers into the new one: clear it first.
    c.res = undefined;
    c.res = committed;
  };
}

/**
 * The CSRF check ({@link CsrfGuard}) as Hono middleware, mounted after {@link honoSession}:
 * ```ts
 * app.use(honoSession<AppSession>(options));
 * app.use(honoCsrf({ trustedOrigins: ['https://admin.shop.example'] }));
 * app.get('/form', (c) => c.html(`<input type="hidden" name="_csrf" value="${c.var.session.csrfToken()}">`));
 * ```
 * For unsafe requests without the token header it reads the body's `_csrf` field: a form through
 * `c.req.parseBody()`, JSON through `c.req.json()` (Hono caches both, so routes can read the body again). A
 * refused request is answered 403 ({@link CsrfError}, JSON or text by `Accept`) before the routes; the check
 * makes no store call. The request's own origin is the origin of `c.req.url`: behind a proxy that terminates
 * TLS or rewrites `Host`, list the public origin in `trustedOrigins`.
 */
export function honoCsrf(options: CsrfOptions = {}): MiddlewareHandler<SessionEnv> {
  const guard = new CsrfGuard(options);
  return async function sessionKitHonoCsrf(c, next) {
    if (guard.appliesTo(c.req.method)) {
      const session = c.get('session');
      if (session === undefined) throw new Error('honoCsrf needs honoSession mounted before it');
      const body = c.req.header(guard.header) === undefined ? await parsedBody(c) : undefined;
      const error = checkWebCsrf(guard, c.req.raw, session, body);
      if (error !== undefined) return webErrorResponse(error, c.req.raw);
    }
    await next();
  };
}

/** The request's form or JSON body as an object, or `undefined` for other bodies and unparseable JSON. */
async function parsedBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type')?.toLowerCase() ?? '';
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    return c.req.parseBody();
  }
  if (type.startsWith('application/json')) return c.req.json().catch(() => undefined);
  return undefined;
}

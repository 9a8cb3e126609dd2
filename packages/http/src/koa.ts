/**
 * Koa 2 and 3 binding. `koaSession(options)` returns a named middleware that puts a lazy {@link SessionContext}
 * on `ctx.session`, runs the downstream middleware, then commits the session and adds its `Set-Cookie` before
 * Koa writes the response (streamed bodies included: Koa pipes them only after the middleware chain settled);
 * `koaCsrf(options)` returns the CSRF check as a middleware.
 *
 * Koa is not imported at run time, only its types (`@types/koa`, which also describes Koa 3).
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { ExtendableContext, Next } from 'koa';
import { attachSession, getSession } from './attach.js';
import { commitToReply } from './commit-reply.js';
import type { SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import type { ErrorResponse } from './errors.js';
import { errorResponse, SessionHttpError } from './errors.js';
import { KoaCommitHooks, watchRespond } from './koa-bypass.js';
import type { SessionHttpOptions } from './options.js';
import { SessionHttp } from './session-http.js';

declare module 'koa' {
  interface DefaultContext {
    /** The SessionKit session of this request (typed access: `getSession<MyData>(ctx)`). */
    session: SessionContext;
  }
}

/** Options of {@link koaSession}. */
export interface KoaSessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /**
   * Receives commit failures after their response (503 or 409, or 500 when the route wrote `ctx.res` itself)
   * replaced the route's, for logging. Default: none (the client got the response; any other error goes to
   * Koa's error handling, which emits it as the app's `'error'` event). Errors never contain raw session IDs.
   */
  onError?: (error: unknown) => void;
}

/**
 * A Koa middleware as returned by {@link koaSession} and {@link koaCsrf}. It takes any Koa context, so it can
 * be mounted on an app or router whatever its state and context types.
 */
export type KoaSessionMiddleware = (ctx: ExtendableContext, next: Next) => Promise<void>;

/** The fields the binding adds to or reads from a Koa context beyond `@types/koa`'s `ExtendableContext`. */
type KoaFields = ExtendableContext & { session?: unknown; request: { body?: unknown } };

/**
 * Koa middleware. Mount it before the middleware and routes that use sessions:
 * ```ts
 * app.use(koaSession<MyData>({ manager, secrets: [process.env.SESSION_SECRET!] }));
 * app.use(async (ctx) => { ctx.body = (await getSession<MyData>(ctx).get())?.get('cart') ?? []; });
 * ```
 * `ctx.session` holds the {@link SessionContext} (typed `SessionContext<SessionData>` through Koa's
 * `DefaultContext`); `getSession<MyData>(ctx)` and `getSession(ctx.req)` return it typed. After `await next()`
 * it commits, and adds the `Set-Cookie` (or token header) to the response Koa is about to send. A commit that
 * fails (store outage 503, concurrent change 409, contention 503) replaces the status, headers and body with
 * the error's response (JSON or text by `Accept`, see {@link errorResponse}), so the client never sees a
 * success that was not saved. A {@link SessionHttpError} thrown downstream (a store outage while loading,
 * say) is answered the same way instead of reaching Koa's error handling; any other error propagates to Koa
 * (and changes made before it are committed as Koa sends its error response).
 *
 * A route that writes `ctx.res` itself must set `ctx.respond = false` (Koa's way to bypass its response
 * handling) before writing: the response's first `writeHead`/`write`/`end` then waits for the commit, as with
 * `node:http` (the hooks are armed only for such a request, see `koa-bypass.ts`); starting or regenerating a
 * session after the headers went out throws {@link HeadersSentError}. A route that writes `ctx.res` without the
 * flag sends its headers before the commit: the changes are saved after the response, with no cookie.
 */
export function koaSession<T extends SessionData = SessionData>(
  options: KoaSessionOptions<T> | SessionHttp<T>,
): KoaSessionMiddleware {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  const onError = options instanceof SessionHttp ? undefined : options.onError;
  return async function sessionKitKoa(ctx: KoaFields, next: Next): Promise<void> {
    const hooks = new KoaCommitHooks(ctx, onError, !watchRespond(ctx));
    const session: SessionContext<T> = http.context(ctx.req.headers, hooks);
    ctx.session = session;
    attachSession(ctx, session, ctx.req);
    try {
      await next();
    } catch (error) {
      if (!(error instanceof SessionHttpError) || !koaResponds(ctx)) {
        // Koa's error handling writes `ctx.res` itself: its headers wait for the commit of the changes made so far.
        hooks.holdHeaders();
        throw error;
      }
      replaceResponse(ctx, errorResponse(error, ctx.req.headers.accept));
    }
    if (!session.needsCommit) return;
    if (!koaResponds(ctx)) {
      // A response the route writes itself (`ctx.respond = false`) is committed by the hooks on `ctx.res`, before
      // its headers. One written without that flag already went out: save the changes anyway (no cookie can
      // follow), rather than drop them.
      if (!hooks.armed) await session.commit().catch((error: unknown) => onError?.(error));
      return;
    }
    await commitToReply(
      session,
      ctx.req.headers.accept,
      { append: (name, value) => ctx.append(name, value), replace: (response) => replaceResponse(ctx, response) },
      onError,
    );
  };
}

/**
 * The CSRF check ({@link CsrfGuard}) as Koa middleware: mount it after the body parser (`@koa/bodyparser` or
 * `koa-bodyparser`, which set `ctx.request.body`) and after {@link koaSession}, before the routes it protects:
 * ```ts
 * app.use(bodyParser());
 * app.use(koaSession<MyData>({ manager, secrets }));
 * app.use(koaCsrf({ trustedOrigins: ['https://admin.shop.example'] }));
 * ```
 * A refused request is answered 403 here ({@link CsrfError}, JSON or text by `Accept`) and never reaches the
 * middleware after it; the check makes no store call. The request's own origin is `ctx.protocol` +
 * `ctx.host`, so Koa's `proxy` setting applies.
 */
export function koaCsrf(options: CsrfOptions = {}): KoaSessionMiddleware {
  const guard = new CsrfGuard(options);
  return async function sessionKitKoaCsrf(ctx: KoaFields, next: Next): Promise<void> {
    if (!guard.appliesTo(ctx.method)) return next();
    const error = guard.check(
      {
        method: ctx.method,
        headers: ctx.req.headers,
        body: ctx.request.body,
        ownOrigin: () => (ctx.host ? `${ctx.protocol}://${ctx.host}` : undefined),
      },
      getSession(ctx),
    );
    if (error === undefined) return next();
    replaceResponse(ctx, errorResponse(error, ctx.req.headers.accept));
  };
}

/** Whether Koa itself will write this response (the route neither bypassed it nor wrote `ctx.res` already). */
function koaResponds(ctx: ExtendableContext): boolean {
  return ctx.respond !== false && !ctx.res.headersSent;
}

/** Makes `response` the whole response Koa sends: status, headers (all others removed) and body. */
function replaceResponse(ctx: ExtendableContext, response: ErrorResponse): void {
  for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers)) ctx.set(name, String(value));
  ctx.body = response.body;
}

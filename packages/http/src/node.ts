/**
 * `node:http` binding: `withSession(handler, options)` wraps a request listener, passing the request's
 * {@link SessionContext} as a third argument and committing it before the response headers are sent;
 * `csrfVerifier(options)` makes the CSRF check the handler calls once it has parsed the body.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionData } from '@sessionkit/core';
import { attachSession } from './attach.js';
import type { SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import { SessionHttpError, toHttpError } from './errors.js';
import { ResponseCommitHooks, sendFailure } from './intercept.js';
import type { SessionHttpOptions } from './options.js';
import { requestOrigin } from './request-origin.js';
import { SessionHttp } from './session-http.js';

/** A request listener that also receives the session. */
export type SessionHandler<T extends SessionData = SessionData> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: SessionContext<T>,
) => unknown;

/** Options of {@link withSession}. */
export interface NodeSessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /**
   * Receives errors thrown by the handler and commit failures (after a 503/500 was sent if the headers were
   * still unsent). Default: `console.error`. Errors never contain raw session IDs.
   */
  onError?: (error: unknown) => void;
}

/**
 * Wraps a `node:http` handler:
 * ```ts
 * http.createServer(withSession(async (req, res, session) => {
 *   const s = await session.session();
 *   s.update('visits', (n) => (n ?? 0) + 1); // re-applied if a parallel request wins (docs/concurrency.md)
 *   res.end('ok');
 * }, { manager, secrets }));
 * ```
 * A handler that throws gets, if nothing was sent yet, the response of a session error (503 for a store
 * outage or contention, 409 for a concurrent change; see {@link errorResponse}) or a 500.
 */
export function withSession<T extends SessionData = SessionData>(
  handler: SessionHandler<T>,
  options: NodeSessionOptions<T> | SessionHttp<T>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  const onError =
    (options instanceof SessionHttp ? undefined : options.onError) ?? ((error: unknown) => console.error(error));
  return async function sessionKitHandler(req, res) {
    const ctx: SessionContext<T> = http.context(req.headers, new ResponseCommitHooks(res, onError));
    attachSession(req, ctx);
    try {
      await handler(req, res, ctx);
    } catch (thrown) {
      const error = toHttpError(thrown, 'handler');
      if (!res.headersSent && !res.writableEnded) sendFailure(res, error);
      else if (!res.writableEnded) res.destroy();
      if (!(error instanceof SessionHttpError)) onError(error);
    }
  };
}

/**
 * The `node:http` CSRF check made by {@link csrfVerifier}. Synchronous (no store call): returns when the request
 * may proceed, throws {@link CsrfError} otherwise. `body` is the parsed body (a plain object or
 * `URLSearchParams`) holding the token field, if the request has one.
 */
export type CsrfVerifier = (req: IncomingMessage, session: SessionContext<SessionData>, body?: unknown) => void;

/**
 * Makes the CSRF check ({@link CsrfGuard}) for `node:http` handlers. Build it once; call it in the handler
 * after parsing the body and before changing anything. A {@link CsrfError} thrown out of a
 * {@link withSession} handler is answered 403 (JSON or text by `Accept`):
 * ```ts
 * const verifyCsrf = csrfVerifier({ trustedOrigins: ['https://shop.example'] });
 * http.createServer(withSession(async (req, res, session) => {
 *   const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : undefined;
 *   verifyCsrf(req, session, form); // safe methods pass at once
 *   ...
 * }, { manager, secrets }));
 * ```
 * The request's own origin is the socket's scheme plus the `Host` header (forwarding headers are not trusted):
 * behind a TLS-terminating proxy, list the public origin in `trustedOrigins`.
 */
export function csrfVerifier(options: CsrfOptions = {}): CsrfVerifier {
  const guard = new CsrfGuard(options);
  return function verifyCsrf(req, session, body) {
    if (!guard.appliesTo(req.method)) return;
    const error = guard.check(
      { method: req.method, headers: req.headers, body, ownOrigin: () => requestOrigin(req) },
      session,
    );
    if (error !== undefined) throw error;
  };
}

/**
 * Express 5 binding. `sessionMiddleware(options)` returns a named middleware that puts a lazy
 * {@link SessionContext} on `req.session` and commits it before the response headers are sent.
 *
 * Express is not imported: the middleware is typed over `node:http`, which Express's `req`/`res` extend, so it
 * also works with Connect-style servers.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionData } from '@sessionkit/core';
import type { SessionContext } from './context.js';
import { ResponseCommitHooks } from './intercept.js';
import type { SessionHttpOptions } from './options.js';
import { SessionHttp } from './options.js';

/** Options of {@link sessionMiddleware}. */
export interface ExpressSessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /** Called with commit failures after the 503/500 was sent (for logging; never receives raw IDs). */
  onCommitError?: (error: unknown) => void;
}

/** An Express/Connect request after {@link sessionMiddleware} ran. */
export type SessionRequest<T extends SessionData = SessionData> = IncomingMessage & { session: SessionContext<T> };

/** A Connect/Express middleware function. */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Express 5 middleware. Mount it before the routes that use sessions:
 * ```ts
 * app.use(sessionMiddleware<MyData>({ manager, secrets: [process.env.SESSION_SECRET!] }));
 * app.get('/', async (req, res) => { const s = await getSession<MyData>(req).get(); ... });
 * ```
 * `req.session` holds the {@link SessionContext}; for typed access use {@link getSession} (which reads it) or
 * {@link SessionRequest}. Store outages reject with a 503 error that Express's error handling sends as 503.
 */
export function sessionMiddleware<T extends SessionData = SessionData>(
  options: ExpressSessionOptions<T> | SessionHttp<T>,
): SessionMiddleware {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  const onCommitError = options instanceof SessionHttp ? undefined : options.onCommitError;
  return function sessionKitMiddleware(req, res, next) {
    const ctx: SessionContext<T> = http.context(req.headers, new ResponseCommitHooks(res, onCommitError));
    (req as SessionRequest<T>).session = ctx;
    next();
  };
}

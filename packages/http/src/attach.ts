/**
 * Associates a {@link SessionContext} with a request object, so `getSession(req)` works in every binding
 * (and keeps working even if something else overwrites `req.session`).
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { SessionContext } from './context.js';

/**
 * The context lives under a private symbol on the request object itself. Not a WeakMap: one WeakMap entry per
 * request made every garbage collection walk the live entries, which measured as the largest single cost of
 * the middleware (about 40-90 µs of CPU per request under load).
 */
const CONTEXT = Symbol('sessionkit.context');

type Carrier = { [CONTEXT]?: SessionContext<any> };

/** @internal Records the context of a request (and its raw `IncomingMessage`, if different). */
export function attachSession(request: object, ctx: SessionContext<any>, raw?: object): void {
  (request as Carrier)[CONTEXT] = ctx;
  if (raw && raw !== request) (raw as Carrier)[CONTEXT] = ctx;
}

/**
 * The session context of a request handled by one of the bindings: an Express `req`, a Fastify `request`
 * (or its `request.raw`), or a `node:http` `IncomingMessage`. Typed by the caller:
 * `getSession<MyData>(req)`. Throws if no SessionKit middleware ran for this request.
 */
export function getSession<T extends SessionData = SessionData>(request: object): SessionContext<T> {
  const ctx = (request as Carrier)[CONTEXT];
  if (!ctx) throw new Error('no SessionKit session on this request: is the middleware/plugin installed for this route?');
  return ctx as SessionContext<T>;
}

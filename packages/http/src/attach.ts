/**
 * Associates a {@link SessionContext} with a request object, so `getSession(req)` works in every binding.
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import { SessionContext } from './context.js';

/**
 * The context lives under a private symbol on the request object itself, not in a WeakMap (why: commit d8dd2a9).
 * The Express binding does not use it: there the context is `req.session` only (one added property, not two:
 * commit 4561512).
 */
const CONTEXT = Symbol('sessionkit.context');

type Carrier = { [CONTEXT]?: SessionContext<SessionData>; session?: unknown };

/** @internal Records the context of a request (and its raw `IncomingMessage`, if different). */
export function attachSession(request: object, ctx: SessionContext<SessionData>, raw?: object): void {
  (request as Carrier)[CONTEXT] = ctx;
  if (raw && raw !== request) (raw as Carrier)[CONTEXT] = ctx;
}

/**
 * The session context of a request handled by one of the bindings: an Express `req` (its `req.session`), a
 * Fastify `request` (or its `request.raw`), or a `node:http` `IncomingMessage`. Typed by the caller:
 * `getSession<MyData>(req)`. Throws if no SessionKit middleware ran for this request (or, with Express,
 * something replaced `req.session`).
 */
export function getSession<T extends SessionData = SessionData>(request: object): SessionContext<T> {
  const carrier = request as Carrier;
  const ctx = carrier[CONTEXT] ?? carrier.session;
  if (!(ctx instanceof SessionContext)) {
    throw new Error('no SessionKit session on this request: is the middleware/plugin installed for this route?');
  }
  return ctx as SessionContext<T>;
}

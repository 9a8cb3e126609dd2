/**
 * {@link SessionHttp}: the resolved options of one middleware instance plus the factory of its per-request
 * {@link SessionContext}s. Every binding builds one.
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { ContextHooks } from './context.js';
import { SessionContext } from './context.js';
import { SessionHttpSettings } from './options.js';
import type { IncomingHeaders } from './transport.js';

/**
 * The framework-agnostic runtime: validated options ({@link SessionHttpSettings}) plus a factory of per-request
 * {@link SessionContext}s. Bindings build one per middleware instance; custom integrations can use it directly:
 * make a context from the request headers, let the handler use it, then `await ctx.commit()` and send the
 * returned `Set-Cookie` values and headers before the response headers go out.
 */
export class SessionHttp<T extends SessionData = SessionData> extends SessionHttpSettings<T> {
  /** A new per-request context. Reads and verifies the token now (no store call); loads lazily. */
  context(headers: IncomingHeaders, hooks: ContextHooks = {}): SessionContext<T> {
    return new SessionContext<T>(this, headers, hooks);
  }
}

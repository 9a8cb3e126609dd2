/**
 * Fastify 5 binding: a plugin that decorates every request with a lazy {@link SessionContext}
 * (`request.session`) and commits it in an `onSend` hook, which runs before the headers are written; and a
 * second plugin that runs the CSRF check in a `preHandler` hook.
 *
 * @module
 */

import type { SessionData } from '@sessionkit/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { attachSession, getSession } from './attach.js';
import { commitToReply } from './commit-reply.js';
import type { SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import { errorResponse } from './errors.js';
import type { SessionHttpOptions } from './options.js';
import { SessionHttp } from './session-http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SessionKit session of this request (typed access: `getSession<MyData>(request)`). */
    session: SessionContext;
  }
}

/** Options of {@link fastifySession}. */
export interface FastifySessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /**
   * Receives commit failures whose response (503 or 409) replaces the reply, for logging. Default: none (the
   * client gets the response; any other error goes to Fastify's error handling). Errors never contain raw
   * session IDs.
   */
  onError?: (error: unknown) => void;
}

/** A Fastify plugin function as returned by {@link fastifySession}. */
export type SessionPlugin = FastifyPluginAsync;

/**
 * The Fastify plugin. Register it on the instance (it is not encapsulated, so it applies to every route
 * registered after it on that instance and its children):
 * ```ts
 * await app.register(fastifySession<MyData>({ manager, secrets }));
 * app.get('/', async (request) => (await request.session.get())?.get('cart') ?? []);
 * ```
 * A store outage rejects with a 503 error, which Fastify's error handling sends as 503. A commit that fails
 * (store outage, concurrent change, contention) replaces the reply with the error's response (503, 409, 503;
 * JSON or text by `Accept`), so the client never sees a success that was not saved.
 */
export function fastifySession<T extends SessionData = SessionData>(
  options: FastifySessionOptions<T> | SessionHttp<T>,
): SessionPlugin {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  const onError = options instanceof SessionHttp ? undefined : options.onError;
  const plugin: SessionPlugin = async function sessionKitPlugin(fastify: FastifyInstance): Promise<void> {
    fastify.decorateRequest('session', null as unknown as SessionContext);
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const ctx = http.context(request.headers, { headersSent: () => reply.raw.headersSent });
      request.session = ctx as unknown as SessionContext;
      attachSession(request, ctx, request.raw);
    });
    fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const ctx = request.session;
      if (!ctx?.needsCommit) return payload;
      let body = payload;
      await commitToReply(
        ctx,
        request.headers.accept,
        {
          append: (name, value) => reply.header(name, value), // Fastify appends to set-cookie
          replace: (response) => {
            reply.removeHeader('set-cookie');
            reply.code(response.status).headers(response.headers);
            body = response.body;
          },
        },
        onError,
      );
      return body;
    });
  };
  return unencapsulated(plugin, 'sessionkit');
}

/**
 * The CSRF check ({@link CsrfGuard}) as a Fastify plugin: a `preHandler` hook, so it runs after the body is
 * parsed (register a parser for `application/x-www-form-urlencoded`, e.g. `@fastify/formbody`, to read the
 * `_csrf` field of form posts). Register it after {@link fastifySession}:
 * ```ts
 * await app.register(fastifySession<MyData>({ manager, secrets }));
 * await app.register(fastifyCsrf({ trustedOrigins: ['https://admin.shop.example'] }));
 * ```
 * Like `fastifySession` it is not encapsulated: it checks every route of the scope it is registered in and of
 * that scope's children, so register it inside a child scope to protect only that scope's routes. A refused
 * request is answered 403 ({@link CsrfError}, JSON or text by `Accept`) before the handler; the check makes no
 * store call. The request's own origin is `request.protocol` + `request.host`, so Fastify's `trustProxy`
 * applies.
 */
export function fastifyCsrf(options: CsrfOptions = {}): SessionPlugin {
  const guard = new CsrfGuard(options);
  const plugin: SessionPlugin = async function sessionKitCsrfPlugin(fastify: FastifyInstance): Promise<void> {
    fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!guard.appliesTo(request.method)) return;
      const error = guard.check(
        {
          method: request.method,
          headers: request.headers,
          body: request.body,
          ownOrigin: () => `${request.protocol}://${request.host}`,
        },
        getSession(request),
      );
      if (error === undefined) return;
      const response = errorResponse(error, request.headers.accept);
      return reply.code(response.status).headers(response.headers).send(response.body);
    });
  };
  return unencapsulated(plugin, 'sessionkit-csrf');
}

/**
 * Marks a plugin the way `fastify-plugin` does: not encapsulated, so its decorators and hooks reach the routes
 * of the scope that registers it; `name` is shown in Fastify's plugin tree.
 */
function unencapsulated(plugin: SessionPlugin, name: string): SessionPlugin {
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: name });
  return plugin;
}

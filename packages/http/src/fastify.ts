/**
 * Fastify 5 binding: a plugin that decorates every request with a lazy {@link SessionContext}
 * (`request.session`) and commits it in an `onSend` hook, which runs before the headers are written.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionData } from '@sessionkit/core';
import { attachSession } from './attach.js';
import type { SessionContext } from './context.js';
import { errorResponse, SessionHttpError } from './errors.js';
import type { SessionHttpOptions } from './options.js';
import { SessionHttp } from './options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SessionKit session of this request (typed access: `getSession<MyData>(request)`). */
    session: SessionContext;
  }
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
export function fastifySession<T extends SessionData = SessionData>(options: SessionHttpOptions<T> | SessionHttp<T>): SessionPlugin {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
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
      let outcome;
      try {
        outcome = await ctx.commit();
      } catch (error) {
        if (!(error instanceof SessionHttpError)) throw error;
        const response = errorResponse(error, request.headers.accept);
        reply.removeHeader('set-cookie');
        reply.code(response.status).headers(response.headers);
        return response.body;
      }
      for (const cookie of outcome.setCookie) reply.header('set-cookie', cookie);
      for (const [name, value] of outcome.headers) reply.header(name, value);
      return payload;
    });
  };
  // Equivalent of fastify-plugin: skip encapsulation so the decorator and hooks reach the caller's routes.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: 'sessionkit' });
  return plugin;
}

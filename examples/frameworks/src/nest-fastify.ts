/**
 * NestJS on its Fastify adapter: the Fastify binding is registered as a plugin with `app.register`, before
 * Nest's routes; its `onSend` hook commits the session, as in any Fastify app.
 * Run: `const app = await createFastifyApp(); await app.listen(3000);`
 */
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { fastifyCsrf, fastifySession } from '@sessionkit/http';
import { AppModule, SessionErrorFilter } from './nest-app.js';
import { sessionHttp } from './session.js';

/** The Nest app on Fastify with sessions, the CSRF check (`x-csrf-token` header) and the session error filter. */
export async function createFastifyApp(): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  await app.register(fastifySession(sessionHttp));
  await app.register(fastifyCsrf());
  return app.useGlobalFilters(new SessionErrorFilter(app.getHttpAdapter()));
}

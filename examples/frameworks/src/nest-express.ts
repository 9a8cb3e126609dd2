/**
 * NestJS on its Express adapter: the Express binding is mounted with `app.use`, before Nest's routes. The
 * commit needs nothing Nest-specific: the response's first write waits for it, as in any Express app.
 * Run: `const app = await createExpressApp(); await app.listen(3000);`
 */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { csrfProtection, sessionMiddleware } from '@sessionkit/http';
import { AppModule, SessionErrorFilter } from './nest-app.js';
import { sessionHttp } from './session.js';

/** The Nest app on Express with sessions, the CSRF check (`x-csrf-token` header) and the session error filter. */
export async function createExpressApp(): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.use(sessionMiddleware(sessionHttp), csrfProtection());
  return app.useGlobalFilters(new SessionErrorFilter(app.getHttpAdapter()));
}

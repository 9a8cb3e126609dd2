/**
 * The NestJS parts both adapters share (`nest-express.ts`, `nest-fastify.ts`): a `@Session()` parameter
 * decorator, a filter answering session errors with their own status, and the account controller and module.
 * Nothing is injected by type, so the app needs no `emitDecoratorMetadata` (esbuild and vitest do not emit it).
 */
import 'reflect-metadata';
import type { ArgumentsHost, ExceptionFilter, ExecutionContext, HttpServer } from '@nestjs/common';
import {
  BadRequestException,
  Body,
  Catch,
  Controller,
  createParamDecorator,
  Get,
  HttpCode,
  Module,
  Post,
} from '@nestjs/common';
import type { SessionContext } from '@sessionkit/http';
import { errorResponse, getSession, SessionHttpError } from '@sessionkit/http';
import type { AppSession } from './session.js';

/** `@Session() session: SessionContext<AppSession>`: the request's session on either adapter. */
export const Session = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): SessionContext<AppSession> => getSession(ctx.switchToHttp().getRequest()),
);

/**
 * Answers a {@link SessionHttpError} (503 store outage, 409 conflict) with SessionKit's response: its status,
 * headers (`Retry-After`, `Cache-Control: no-store`) and body (JSON or text by `Accept`). Nest's default filter
 * would log it as an error and answer with its own body, without those headers (500 before Nest 12, which
 * reads the error's `statusCode`). Made with the app's HTTP adapter: `app.getHttpAdapter()`.
 */
@Catch(SessionHttpError)
export class SessionErrorFilter implements ExceptionFilter<SessionHttpError> {
  /** @param adapter - The HTTP adapter of the app (Express or Fastify). */
  constructor(private readonly adapter: HttpServer) {}

  /** Sends the error's response. */
  catch(error: SessionHttpError, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const { status, headers, body } = errorResponse(error, http.getRequest().headers.accept);
    for (const [name, value] of Object.entries(headers))
      this.adapter.setHeader(http.getResponse(), name, String(value));
    this.adapter.reply(http.getResponse(), body, status);
  }
}

/** `GET /login` (a CSRF token), `POST /login`, `GET /me`, `POST /logout`. */
@Controller()
export class AccountController {
  /** The CSRF token for the login form (no store call, nothing stored). */
  @Get('login')
  csrf(@Session() session: SessionContext<AppSession>) {
    return { csrf: session.csrfToken() };
  }

  /** Logs `name` in under a new session ID and returns the new session's CSRF token. */
  @Post('login')
  @HttpCode(200)
  async login(@Session() session: SessionContext<AppSession>, @Body() body: { name?: unknown }) {
    if (typeof body?.name !== 'string') throw new BadRequestException('name is required'); // check a password here
    (await session.regenerate({ userId: body.name })).set('name', body.name);
    return { csrf: session.csrfToken() };
  }

  /** The signed-in user's name, or `null`. */
  @Get('me')
  async me(@Session() session: SessionContext<AppSession>) {
    return { name: (await session.get())?.get('name') ?? null };
  }

  /** Ends the session and expires its cookie. */
  @Post('logout')
  @HttpCode(200)
  async logout(@Session() session: SessionContext<AppSession>) {
    return { loggedOut: await session.destroy() };
  }
}

/** The app's module. */
@Module({ controllers: [AccountController] })
export class AppModule {}

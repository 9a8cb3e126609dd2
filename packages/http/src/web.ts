/**
 * Web-standard binding, for any server that speaks `Request`/`Response` (Hono, Next.js route handlers and
 * proxy, React Router loaders and actions, SvelteKit hooks, `Bun.serve`, `Deno.serve`, Node 20+ through an
 * adapter such as `@hono/node-server`). Its API uses only `Request`, `Response` and `Headers`:
 * - `webSessions(options).open(request)` gives the request's {@link SessionContext} and a
 *   `commit(response)` step that returns the response carrying the commit's `Set-Cookie` and headers;
 * - `withWebSession(handler, options)` wraps a fetch handler `(request, session) => Response`;
 * - `webCsrf(options)` makes the CSRF check a handler calls once it has parsed the body.
 *
 * A Web handler returns its whole `Response` at once, so the commit always runs before the headers go out and
 * `headersSent` is never true here. The package itself still needs what its core does: `node:crypto` (HMAC,
 * random IDs), `node:events` and the `Buffer` global, which Node, Bun, Deno (npm packages) and Cloudflare
 * Workers with `nodejs_compat` provide.
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { CommitOutcome, SessionContext } from './context.js';
import type { CsrfOptions } from './csrf.js';
import { CsrfGuard } from './csrf.js';
import type { CsrfError } from './errors.js';
import { errorResponse, SessionHttpError, toHttpError } from './errors.js';
import type { SessionHttpOptions } from './options.js';
import { SessionHttp } from './session-http.js';
import type { IncomingHeaders } from './transport.js';

/** Options of {@link webSessions} and {@link withWebSession}. */
export interface WebSessionOptions<T extends SessionData = SessionData> extends SessionHttpOptions<T> {
  /**
   * Receives commit failures whose response (503 or 409) replaced the handler's, and, with
   * {@link withWebSession}, unexpected errors of the handler (answered 500). Default: none for
   * {@link webSessions}, `console.error` for {@link withWebSession}. Errors never contain raw session IDs.
   */
  onError?: (error: unknown) => void;
}

/** The session of one Web request, made by {@link WebSessions.open}. */
export class WebSessionScope<T extends SessionData = SessionData> {
  /** The request's session context (lazy: no store call until the first `get()`/`session()`/operation). */
  readonly session: SessionContext<T>;
  readonly #request: Request;
  readonly #onError: ((error: unknown) => void) | undefined;

  /** @internal Made by {@link WebSessions.open}. */
  constructor(session: SessionContext<T>, request: Request, onError: ((error: unknown) => void) | undefined) {
    this.session = session;
    this.#request = request;
    this.#onError = onError;
  }

  /**
   * Commits the session if the handler used it and returns the response to send: `response` itself with the
   * commit's `Set-Cookie` and headers added, or, when its headers are immutable (`Response.redirect()`, a
   * fetched response), a new `Response` with the same status and body stream. When the commit fails with a
   * {@link SessionHttpError} (store outage 503, concurrent change 409, contention 503), `response` is dropped
   * and the error's response is returned instead (no `Set-Cookie`; JSON or text by the request's `Accept`),
   * after `onError` heard it. Any other commit failure rejects. Later calls return `response` unchanged.
   */
  async commit(response: Response): Promise<Response> {
    const ctx = this.session;
    if (!ctx.needsCommit) return response;
    try {
      return withHeaders(response, await ctx.commit());
    } catch (error) {
      if (!(error instanceof SessionHttpError)) throw error;
      response.body?.cancel().catch(() => {});
      this.#onError?.(error);
      return webErrorResponse(error, this.#request);
    }
  }
}

/** The Web binding's factory of per-request scopes, made by {@link webSessions}. */
export interface WebSessions<T extends SessionData = SessionData> {
  /** The scope of one request: its session context and the step that commits it into the response. */
  open(request: Request): WebSessionScope<T>;
}

/**
 * The Web binding, for frameworks where the app calls the session itself (a loader, an action, a route
 * handler, a proxy). Build it once; per request, `open` the scope, use `scope.session`, and send what
 * `scope.commit(response)` returns:
 * ```ts
 * const sessions = webSessions<AppSession>({ manager, secrets: [process.env.SESSION_SECRET!] });
 * export async function POST(request: Request): Promise<Response> {
 *   const scope = sessions.open(request);
 *   const s = await scope.session.session();
 *   s.set('theme', 'dark');
 *   return scope.commit(Response.json({ ok: true }));
 * }
 * ```
 * A session operation that fails rejects with a {@link SessionHttpError} (503 store outage, 409 conflict): answer
 * it with {@link webErrorResponse}, or let {@link withWebSession} do it.
 */
export function webSessions<T extends SessionData = SessionData>(
  options: WebSessionOptions<T> | SessionHttp<T>,
): WebSessions<T> {
  return scopes(options, options instanceof SessionHttp ? undefined : options.onError);
}

/** The {@link WebSessions} of `options`, whose scopes report commit failures to `onError`. */
function scopes<T extends SessionData>(
  options: WebSessionOptions<T> | SessionHttp<T>,
  onError: ((error: unknown) => void) | undefined,
): WebSessions<T> {
  const http = options instanceof SessionHttp ? options : new SessionHttp<T>(options);
  return {
    open: (request) => new WebSessionScope<T>(http.context(headerRecord(request.headers)), request, onError),
  };
}

/** A fetch handler that also receives the session. */
export type WebSessionHandler<T extends SessionData = SessionData> = (
  request: Request,
  session: SessionContext<T>,
) => Response | Promise<Response>;

/**
 * Wraps a fetch handler, committing its session before the response is returned:
 * ```ts
 * const fetch = withWebSession<AppSession>(async (request, session) => {
 *   const s = await session.session();
 *   s.update('visits', (n) => (n ?? 0) + 1);
 *   return new Response('ok');
 * }, { manager, secrets });
 * Bun.serve({ fetch }); // or Deno.serve(fetch), or serve({ fetch }) from @hono/node-server
 * ```
 * A handler that throws a {@link SessionHttpError} (store outage during load 503, conflict 409, CSRF 403) gets
 * that error's response ({@link webErrorResponse}); any other error goes to `onError` and is answered 500.
 * Either way the session is still committed, as the other bindings do.
 */
export function withWebSession<T extends SessionData = SessionData>(
  handler: WebSessionHandler<T>,
  options: WebSessionOptions<T> | SessionHttp<T>,
): (request: Request) => Promise<Response> {
  const onError =
    (options instanceof SessionHttp ? undefined : options.onError) ?? ((error: unknown) => console.error(error));
  const sessions = scopes(options, onError);
  return async function sessionKitFetch(request) {
    const scope = sessions.open(request);
    let response: Response;
    try {
      response = await handler(request, scope.session);
    } catch (thrown) {
      const error = toHttpError(thrown, 'handler');
      if (!(error instanceof SessionHttpError)) onError(error);
      response = webErrorResponse(error, request);
    }
    try {
      return await scope.commit(response);
    } catch (error) {
      onError(error);
      return webErrorResponse(error, request);
    }
  };
}

/**
 * The response for an error a Web handler answers itself: a {@link SessionHttpError}'s status, headers and
 * short body ({@link errorResponse}: JSON or text by the request's `Accept`), or a generic 500 for anything else.
 */
export function webErrorResponse(error: unknown, request: Request): Response {
  const { status, headers, body } = errorResponse(error, request.headers.get('accept') ?? undefined);
  const init = new Headers();
  for (const [name, value] of Object.entries(headers)) init.set(name, String(value));
  return new Response(body, { status, headers: init });
}

/** The CSRF check made by {@link webCsrf}: returns when the request may proceed, throws {@link CsrfError} otherwise. */
export type WebCsrfVerifier = (request: Request, session: SessionContext<SessionData>, body?: unknown) => void;

/**
 * Makes the CSRF check ({@link CsrfGuard}) for Web handlers. Build it once; call it after parsing the body and
 * before changing anything. It is synchronous and makes no store call; a {@link CsrfError} thrown out of a
 * {@link withWebSession} handler is answered 403:
 * ```ts
 * const verifyCsrf = webCsrf();
 * const fetch = withWebSession(async (request, session) => {
 *   const form = request.method === 'POST' ? await request.formData() : undefined;
 *   verifyCsrf(request, session, form); // safe methods return at once
 *   ...
 * }, { manager, secrets });
 * ```
 * `body` is the parsed body holding the token field: `FormData`, `URLSearchParams` or a plain object (JSON).
 * The request's own origin is the origin of `request.url`, which the server builds from its socket and the
 * `Host` header. Behind a proxy that terminates TLS or rewrites `Host` (so `request.url` is not the public
 * URL), list the public origin in `trustedOrigins`, e.g. `webCsrf({ trustedOrigins: ['https://shop.example'] })`.
 */
export function webCsrf(options: CsrfOptions = {}): WebCsrfVerifier {
  const guard = new CsrfGuard(options);
  return function verifyCsrf(request, session, body) {
    const error = checkWebCsrf(guard, request, session, body);
    if (error !== undefined) throw error;
  };
}

/**
 * @internal The CSRF check of a Web request: the {@link CsrfError} to answer, or `undefined` when it may proceed
 * (always for safe methods). Shared by {@link webCsrf} and the Hono binding.
 */
export function checkWebCsrf(
  guard: CsrfGuard,
  request: Request,
  session: SessionContext<SessionData>,
  body: unknown,
): CsrfError | undefined {
  if (!guard.appliesTo(request.method)) return undefined;
  return guard.check(
    {
      method: request.method,
      headers: headerRecord(request.headers),
      body,
      ownOrigin: () => new URL(request.url).origin,
    },
    session,
  );
}

/**
 * `headers` as the {@link IncomingHeaders} record the transport and the CSRF check read, copying nothing: each
 * read (`cookie`, the header transport's header, `origin`, ...) is one `Headers.get`. Names are asked in lower
 * case, as Node spells them.
 */
function headerRecord(headers: Headers): IncomingHeaders {
  return new Proxy(EMPTY_RECORD, {
    get: (_target, name) => (typeof name === 'string' ? (headers.get(name) ?? undefined) : undefined),
  });
}

const EMPTY_RECORD: IncomingHeaders = Object.freeze({});

/**
 * `response` with the commit's `Set-Cookie` values appended and its headers set. A response whose headers are
 * immutable (the first change throws a `TypeError`, before anything changed) is rebuilt around the same body.
 */
function withHeaders(response: Response, outcome: CommitOutcome): Response {
  if (outcome.setCookie.length === 0 && outcome.headers.length === 0) return response;
  try {
    addHeaders(response.headers, outcome);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const copy = new Response(response.body, response);
  addHeaders(copy.headers, outcome);
  return copy;
}

/** Appends the commit's `Set-Cookie` values to `headers` and sets its other headers. */
function addHeaders(headers: Headers, outcome: CommitOutcome): void {
  for (const cookie of outcome.setCookie) headers.append('set-cookie', cookie);
  for (const [name, value] of outcome.headers) headers.set(name, value);
}

/**
 * HTTP-facing errors. Each carries its status as `status`/`statusCode` and its response headers as `headers`,
 * which Express's final handler and Fastify's default error handler both honour; the bindings answer them
 * with {@link errorResponse} where they write the response themselves (a failed commit). Expected conditions
 * (store out, concurrent change, contention) therefore never become a 500.
 *
 * | error | status | when |
 * | --- | --- | --- |
 * | {@link SessionUnavailableError} | 503, `Retry-After: 5` | the store failed (policy `'fail'`) |
 * | {@link SessionConflictError} | 409 | a concurrent request changed what this one read and then wrote |
 * | {@link SessionBusyError} | 503, `Retry-After: 1` | concurrent writers kept winning until the retry deadline |
 * | {@link CsrfError} | 403 | an unsafe request failed the CSRF check (token, `Origin`, `Sec-Fetch-Site`) |
 *
 * @module
 */
import type { SessionKitError } from '@sessionkit/core';
import { ConflictError, ContentionError, StoreClosedError, StoreUnavailableError } from '@sessionkit/core';

/** Base class of the errors the bindings answer with their own status instead of 500. */
export abstract class SessionHttpError extends Error {
  /** HTTP status for Express (`err.status`). */
  abstract readonly status: number;
  /** Stable code to branch on; also the `error.code` of the JSON body. */
  abstract readonly code: string;
  /** The short text sent to the client (never the cause's message, which names stores and keys). */
  abstract readonly publicMessage: string;
  /** Response headers (Express's final handler and Fastify's error handler add them). */
  abstract readonly headers: Record<string, string>;
  /** A finer, stable reason within {@link code}, when the error has one; also `error.reason` of the JSON body. */
  readonly reason?: string;
  /** Tells error handlers not to show `message` to clients: {@link publicMessage} is what they may show. */
  readonly expose = false;

  /** HTTP status for Fastify and others (`err.statusCode`). */
  get statusCode(): number {
    return this.status;
  }
}

/**
 * A {@link SessionHttpError} raised while the request did something with its session: loading it, committing
 * it, or an explicit operation (`regenerate`, `destroyAllForUser`, ...). The core error is the `cause`.
 */
export abstract class SessionOperationError extends SessionHttpError {
  /** What the request was doing: `load`, `commit`, or the operation's name. */
  readonly phase: string;

  constructor(message: string, phase: string, cause: SessionKitError) {
    super(`${message} during ${phase}`, { cause });
    this.name = new.target.name;
    this.phase = phase;
  }
}

/**
 * The session store failed while this request needed it. The request is answered 503 instead of silently
 * continuing without the user's session. The store error is the `cause`; no session ID is ever included.
 */
export class SessionUnavailableError extends SessionOperationError {
  readonly status = 503;
  readonly code = 'SESSION_UNAVAILABLE';
  readonly publicMessage = 'The session service is unavailable. Please try again shortly.';
  readonly headers: Record<string, string> = { 'retry-after': '5', 'cache-control': 'no-store' };

  constructor(phase: string, cause: SessionKitError) {
    super('session store unavailable', phase, cause);
  }
}

/**
 * A concurrent request changed a session attribute that this request read and then wrote (or that a
 * `'reject'` policy guards), so this request's changes were not saved: answered 409. Reloading and repeating
 * the action applies it to the current state. The core {@link ConflictError} is the `cause`.
 */
export class SessionConflictError extends SessionOperationError {
  readonly status = 409;
  readonly code = 'SESSION_CONFLICT';
  readonly publicMessage =
    'Your session was changed by another request at the same time. Nothing was saved; please reload and try again.';
  readonly headers: Record<string, string> = { 'cache-control': 'no-store' };
  /** The attributes both requests changed. */
  readonly attributes: readonly string[];

  constructor(phase: string, cause: ConflictError) {
    super('concurrent change to the session', phase, cause);
    this.attributes = cause.attributes;
  }
}

/**
 * Other requests kept winning the writes to this session until the retry deadline ran out: nothing was
 * saved, and repeating the request shortly succeeds. Answered 503 with `Retry-After: 1`. The core
 * {@link ContentionError} is the `cause`.
 */
export class SessionBusyError extends SessionOperationError {
  readonly status = 503;
  readonly code = 'SESSION_BUSY';
  readonly publicMessage = 'Your session is busy with other requests. Nothing was saved; please try again in a moment.';
  readonly headers: Record<string, string> = { 'retry-after': '1', 'cache-control': 'no-store' };

  constructor(phase: string, cause: ContentionError) {
    super('session writes kept colliding', phase, cause);
  }
}

/** Why a request failed the CSRF check (the `reason` of {@link CsrfError} and of its JSON body). */
export type CsrfFailureReason = 'no-cookie' | 'missing-token' | 'bad-token' | 'cross-origin' | 'cross-site';

const CSRF_MESSAGES: Readonly<Record<CsrfFailureReason, string>> = {
  'no-cookie':
    'The request was refused: it carried no valid session cookie, so its CSRF token cannot be checked. Allow cookies for this site, reload the page and try again.',
  'missing-token': 'The request was refused: it carried no CSRF token. Reload the page and try again.',
  'bad-token':
    'The request was refused: its CSRF token does not belong to your current session (the page may be out of date, for example from before you logged in). Reload the page and try again.',
  'cross-origin': 'The request was refused: it came from another origin.',
  'cross-site': 'The request was refused: it came from another site.',
};

/**
 * An unsafe request (not GET, HEAD, OPTIONS or TRACE) failed the CSRF check: answered 403, before the handler
 * runs and without any store call or write. `reason` says which check failed; the body (see
 * {@link errorResponse}) is `{"error":{"code":"CSRF_REJECTED","reason":"bad-token","message":"..."}}` for JSON
 * clients, the message as plain text otherwise. Never carries the session ID or the token.
 */
export class CsrfError extends SessionHttpError {
  readonly status = 403;
  readonly code = 'CSRF_REJECTED';
  readonly headers: Record<string, string> = { 'cache-control': 'no-store' };
  override readonly reason: CsrfFailureReason;
  readonly publicMessage: string;

  constructor(reason: CsrfFailureReason) {
    super(`CSRF check failed: ${reason}`);
    this.name = 'CsrfError';
    this.reason = reason;
    this.publicMessage = CSRF_MESSAGES[reason];
  }
}

/** The session was needed after the response headers were already sent, so its cookie could not be set. */
export class HeadersSentError extends Error {
  /** Stable code to branch on. */
  readonly code = 'SESSION_HEADERS_SENT';
  constructor(action: string) {
    super(`cannot ${action}: the response headers were already sent, so the session cookie cannot be set`);
    this.name = 'HeadersSentError';
  }
}

/** Whether an error means the store is out (as opposed to an application error such as a too-large payload). */
export function isStoreOutage(error: unknown): error is SessionKitError {
  return error instanceof StoreUnavailableError || error instanceof StoreClosedError;
}

/**
 * The HTTP error for a core error met during `phase`: contention (503), a concurrent change (409) or a store
 * outage (503); anything else (a bug, a too-large payload, an app error) is returned unchanged.
 */
export function toHttpError(error: unknown, phase: string): unknown {
  if (error instanceof SessionHttpError) return error;
  if (error instanceof ContentionError) return new SessionBusyError(phase, error);
  if (error instanceof ConflictError) return new SessionConflictError(phase, error);
  if (isStoreOutage(error)) return new SessionUnavailableError(phase, error);
  return error;
}

/** A complete error response: status, headers and body. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

/**
 * The response the bindings send for `error` when they answer it themselves: its status, headers and a short
 * body, JSON (`{"error":{"code":"SESSION_CONFLICT","message":"..."}}`, plus `"reason"` after the code when the
 * error has one) when `accept` asks for JSON, plain text otherwise. Anything that is not a
 * {@link SessionHttpError} is a 500 with a generic body.
 */
export function errorResponse(error: unknown, accept: string | undefined): ErrorResponse {
  const known = error instanceof SessionHttpError ? error : undefined;
  const status = known?.status ?? 500;
  const code = known?.code ?? 'INTERNAL_ERROR';
  const message = known?.publicMessage ?? 'Internal Server Error';
  const reason = known?.reason;
  const json = wantsJson(accept);
  const body = json
    ? JSON.stringify({ error: reason === undefined ? { code, message } : { code, reason, message } })
    : message;
  return {
    status,
    headers: {
      'cache-control': 'no-store',
      ...known?.headers,
      'content-type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    },
    body,
  };
}

/** Whether an `Accept` header prefers JSON to HTML and plain text (e.g. `fetch` with `application/json`). */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = -1;
  let text = -1;
  for (const part of accept.toLowerCase().split(',')) {
    const [type = '', ...params] = part.trim().split(';');
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith('q='))
        ?.slice(2) ?? 1,
    );
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q);
    else if (type === 'text/html' || type === 'text/plain' || type === 'text/*') text = Math.max(text, q);
  }
  return json > 0 && json >= text;
}

/**
 * HTTP-facing errors. A {@link SessionUnavailableError} carries `status`/`statusCode` 503, which Express's
 * final handler and Fastify's default error handler both turn into a 503 response (fail closed).
 *
 * @module
 */
import type { SessionKitError } from '@sessionkit/core';

/**
 * The session store failed while this request needed it. The request is answered 503 instead of silently
 * continuing without the user's session. The store error is the `cause`; no session ID is ever included.
 */
export class SessionUnavailableError extends Error {
  /** HTTP status for Express (`err.status`). */
  readonly status = 503;
  /** HTTP status for Fastify and others (`err.statusCode`). */
  readonly statusCode = 503;
  /** Tells error handlers not to show the message to clients. */
  readonly expose = false;
  /** Stable code to branch on. */
  readonly code = 'SESSION_UNAVAILABLE';
  /** Response headers Express's final handler adds (a hint to retry shortly). */
  readonly headers: Record<string, string> = { 'retry-after': '5', 'cache-control': 'no-store' };
  /** What the request was doing: loading, committing, or an explicit operation such as `regenerate`. */
  readonly phase: string;

  constructor(phase: string, cause: SessionKitError) {
    super(`session store unavailable during ${phase}`, { cause });
    this.name = 'SessionUnavailableError';
    this.phase = phase;
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

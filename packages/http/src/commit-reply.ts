/**
 * {@link commitToReply}: the commit step of the bindings whose framework still holds the response as an object
 * when the handler is done (Fastify's `onSend` hook, Koa's middleware after `await next()`): commit, then
 * either add the `Set-Cookie`/token header to that reply or replace the reply with the commit error's response.
 *
 * @module
 */
import type { CommitOutcome } from './context.js';
import type { ErrorResponse } from './errors.js';
import { errorResponse, SessionHttpError } from './errors.js';
import type { CommittingContext } from './intercept.js';

/** The reply of a framework, as {@link commitToReply} changes it. Its headers are not sent yet. */
export interface PendingReply {
  /** Adds a response header value; for `set-cookie`, appends to the values already set. */
  append(name: string, value: string): void;
  /**
   * Replaces the reply with `response` (status, headers, body), dropping any `Set-Cookie` set so far: the
   * session was not saved, so no cookie may suggest it was.
   */
  replace(response: ErrorResponse): void;
}

/**
 * Commits `ctx` into `reply`: the commit's `Set-Cookie` values and token header are appended. A commit that
 * fails with a {@link SessionHttpError} (503 store outage, 409 concurrent change, 503 contention) replaces the
 * reply with {@link errorResponse} (JSON or text by `accept`) and is then handed to `onError`; any other error
 * (a bug, a too-large payload) rejects, for the framework's error handling.
 */
export async function commitToReply(
  ctx: CommittingContext,
  accept: string | undefined,
  reply: PendingReply,
  onError?: (error: unknown) => void,
): Promise<void> {
  let outcome: CommitOutcome;
  try {
    outcome = await ctx.commit();
  } catch (error) {
    if (!(error instanceof SessionHttpError)) throw error;
    reply.replace(errorResponse(error, accept));
    onError?.(error);
    return;
  }
  for (const cookie of outcome.setCookie) reply.append('set-cookie', cookie);
  for (const [name, value] of outcome.headers) reply.append(name, value);
}

/**
 * Commit-before-headers for `node:http` responses (Express's `res` is one too).
 *
 * `writeHead` is synchronous but a commit is a store round trip, and the `Set-Cookie` of a new or regenerated
 * session can only be sent if the commit finishes before the headers leave. So the first call among
 * `writeHead`, `write`, `end` and `flushHeaders` on a response whose session needs a commit is held back: the call
 * (and any that follow meanwhile) are queued, the session is committed, its `Set-Cookie` is added, and the
 * queue is replayed in order. While queued, `write` returns `false` and `'drain'` is emitted after the replay,
 * so piped streams pause instead of buffering. The bindings install these hooks only once the context says a
 * commit may be needed (`ContextHooks.onCommitPossible`): a response whose session was never used, or only
 * read unchanged, is not wrapped at all.
 *
 * If the commit fails (a store outage under policy `'fail'`: 503; a concurrent change: 409; contention: 503),
 * the queued response is discarded and the error's response is sent instead, so the client never sees a
 * success that was not saved. If the handler starts using the
 * session only after the headers went out, the changes are committed when `end` is called; a failure then
 * aborts the connection (the status line is already gone).
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { CommitOutcome, ContextHooks } from './context.js';
import { errorResponse } from './errors.js';

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type AnyFn = (...args: unknown[]) => unknown;

/** What the hooks need from a {@link SessionContext}. */
export interface CommittingContext {
  /** Whether the session was used and not committed yet. */
  readonly needsCommit: boolean;
  /** Commits once; yields what to send. */
  commit(): Promise<CommitOutcome>;
}

/** Appends `Set-Cookie` values and sets headers on a response whose headers are not sent yet. */
export function applyOutcome(res: ServerResponse, outcome: CommitOutcome): void {
  if (outcome.setCookie.length > 0) {
    const existing = res.getHeader('set-cookie');
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...list, ...outcome.setCookie]);
  }
  for (const [name, value] of outcome.headers) res.setHeader(name, value);
}

/**
 * Replaces a not-yet-sent response with the error's own response ({@link errorResponse}: 503, 409, or 500 for
 * anything unexpected), JSON or text by the request's `Accept`. `writeHead` and `end` are the response's
 * original methods (the hooked ones would queue the call).
 */
export function sendFailure(
  res: ServerResponse,
  error: unknown,
  end: AnyFn = res.end as unknown as AnyFn,
  writeHead: AnyFn = res.writeHead as unknown as AnyFn,
): void {
  const response = errorResponse(error, res.req?.headers.accept);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  writeHead.call(res, response.status, response.headers);
  end.call(res, response.body);
}

/**
 * Installs the commit-before-headers hooks on `res` for `ctx`. `onError` receives commit failures (after the
 * failure response is sent), for logging.
 */
export function deferHeadersUntilCommit(
  res: ServerResponse,
  ctx: CommittingContext,
  onError?: (error: unknown) => void,
): void {
  const original = {
    writeHead: res.writeHead as unknown as AnyFn,
    write: res.write as unknown as AnyFn,
    end: res.end as unknown as AnyFn,
    flushHeaders: res.flushHeaders as unknown as AnyFn,
  };
  let queue: Array<[Method, unknown[]]> | undefined;
  let settled = false;
  let heldWrite = false;

  const replay = (outcome: CommitOutcome | undefined): void => {
    const calls = queue ?? [];
    queue = undefined;
    settled = true;
    for (const [method, args] of calls) {
      if (method === 'writeHead' && outcome) keepCookiesInWriteHead(args, outcome.setCookie);
      original[method].apply(res, args);
    }
    if (heldWrite && !res.writableNeedDrain && !res.writableEnded) res.emit('drain');
  };

  const commitThen = (afterHeaders: boolean): void => {
    ctx.commit().then(
      (outcome) => {
        const apply = !afterHeaders && !res.headersSent;
        if (apply) applyOutcome(res, outcome);
        replay(apply ? outcome : undefined);
      },
      (error: unknown) => {
        queue = undefined;
        settled = true;
        if (afterHeaders || res.headersSent) res.destroy(error instanceof Error ? error : undefined);
        else sendFailure(res, error, original.end, original.writeHead);
        onError?.(error);
      },
    );
  };

  const hook = (method: Method): AnyFn =>
    function (this: ServerResponse, ...args: unknown[]): unknown {
      if (queue) {
        queue.push([method, args]);
        if (method === 'write') heldWrite = true;
        return method === 'write' ? false : method === 'flushHeaders' ? undefined : res;
      }
      if (settled || !ctx.needsCommit) {
        // Late use: the session was first used after the headers went out; still save it before ending.
        if (method === 'end' && ctx.needsCommit) {
          queue = [[method, args]];
          commitThen(true);
          return res;
        }
        return original[method].apply(this, args);
      }
      queue = [[method, args]];
      if (method === 'write') heldWrite = true;
      commitThen(false);
      return method === 'write' ? false : method === 'flushHeaders' ? undefined : res;
    };

  res.writeHead = hook('writeHead') as unknown as ServerResponse['writeHead'];
  res.write = hook('write') as unknown as ServerResponse['write'];
  res.end = hook('end') as unknown as ServerResponse['end'];
  res.flushHeaders = hook('flushHeaders') as unknown as ServerResponse['flushHeaders'];
}

/**
 * The {@link ContextHooks} of a `node:http` response (Express's `res` is one): tells whether its headers went
 * out, and installs {@link deferHeadersUntilCommit} once the context says a commit may be needed. One object
 * per request with its methods on the prototype, rather than two closures (and their scope) per request.
 */
export class ResponseCommitHooks implements ContextHooks {
  readonly #res: ServerResponse;
  readonly #onError: ((error: unknown) => void) | undefined;

  /** `onError` receives commit failures after the failure response was sent. */
  constructor(res: ServerResponse, onError?: (error: unknown) => void) {
    this.#res = res;
    this.#onError = onError;
  }

  /** Whether the response headers are already out. */
  headersSent(): boolean {
    return this.#res.headersSent;
  }

  /** Holds the response's headers until `ctx` has committed. */
  onCommitPossible(ctx: CommittingContext): void {
    deferHeadersUntilCommit(this.#res, ctx, this.#onError);
  }
}

/** `writeHead(status, { 'set-cookie': ... })` would overwrite the session cookie: merge it in instead. */
function keepCookiesInWriteHead(args: unknown[], cookies: string[]): void {
  if (cookies.length === 0) return;
  for (const arg of args.slice(1)) {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) continue;
    const headers = arg as Record<string, unknown>;
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() !== 'set-cookie') continue;
      const value = headers[name];
      headers[name] = [...(Array.isArray(value) ? value : value === undefined ? [] : [String(value)]), ...cookies];
    }
  }
}

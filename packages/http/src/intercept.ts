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

/** The four response methods the hooks hold back. */
const HOOKED: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/** One response's hook state: its context, the methods the hooks call through to, and the held-back calls. */
interface HookState {
  readonly ctx: CommittingContext;
  readonly onError: ((error: unknown) => void) | undefined;
  readonly original: Record<Method, AnyFn>;
  /** The calls held back while the commit runs. */
  queue: Array<[Method, unknown[]]> | undefined;
  /** The commit has finished (or failed): calls go straight through. */
  settled: boolean;
  /** A `write` was held back, so `'drain'` is owed after the replay. */
  heldWrite: boolean;
}

/** Hook state per response; a WeakMap, because every property added to an Express `res` costs (see below). */
const states = new WeakMap<ServerResponse, HookState>();

/** The hooked prototype made for each original response prototype (Express's `app.response`, `ServerResponse`). */
const hookedPrototypes = new WeakMap<object, object>();

/**
 * Installs the commit-before-headers hooks on `res` for `ctx`. `onError` receives commit failures (after the
 * failure response is sent), for logging.
 *
 * Two ways, the same hooks. A response whose four methods are still its prototype's gets a prototype that
 * derives from its own and adds the hooks (made once per original prototype): no property is added to `res`.
 * Under Express that matters: Express swaps every response's prototype, after which V8 caches no hidden-class
 * transition, so each property added to `res` builds a new hidden class (about 2 µs each; four per write).
 * A response on which earlier middleware already replaced one of them (compression, on-headers) gets the hooks
 * as its own properties instead, wrapping what is there: that middleware may call its saved copy of the
 * prototype's method, which a prototype hook would never see.
 */
export function deferHeadersUntilCommit(
  res: ServerResponse,
  ctx: CommittingContext,
  onError?: (error: unknown) => void,
): void {
  // One context per request arms the hooks once; a second set would have no original methods left to call.
  if (states.has(res)) throw new Error('the commit hooks are already installed on this response');
  const patched = HOOKED.some((method) => Object.hasOwn(res, method));
  const source = res as unknown as Record<Method, AnyFn>;
  const original = {
    writeHead: source.writeHead,
    write: source.write,
    end: source.end,
    flushHeaders: source.flushHeaders,
  };
  states.set(res, { ctx, onError, original, queue: undefined, settled: false, heldWrite: false });
  if (patched) {
    for (const method of HOOKED) source[method] = HOOKS[method];
    return;
  }
  const prototype = Object.getPrototypeOf(res) as object;
  let hooked = hookedPrototypes.get(prototype);
  if (hooked === undefined) {
    hooked = Object.create(prototype, HOOK_DESCRIPTORS) as object;
    hookedPrototypes.set(prototype, hooked);
  }
  Object.setPrototypeOf(res, hooked);
}

/** Sends the held-back calls through, in order, after the commit (with its outcome applied, if it was). */
function replay(res: ServerResponse, state: HookState, outcome: CommitOutcome | undefined): void {
  const calls = state.queue ?? [];
  state.queue = undefined;
  state.settled = true;
  for (const [method, args] of calls) {
    if (method === 'writeHead' && outcome) keepCookiesInWriteHead(args, outcome.setCookie);
    state.original[method].apply(res, args);
  }
  if (state.heldWrite && !res.writableNeedDrain && !res.writableEnded) res.emit('drain');
}

/** Commits, then replays the held-back calls, or replaces the response with the failure's. */
function commitThen(res: ServerResponse, state: HookState, afterHeaders: boolean): void {
  state.ctx.commit().then(
    (outcome) => {
      const apply = !afterHeaders && !res.headersSent;
      if (apply) applyOutcome(res, outcome);
      replay(res, state, apply ? outcome : undefined);
    },
    (error: unknown) => {
      state.queue = undefined;
      state.settled = true;
      if (afterHeaders || res.headersSent) res.destroy(error instanceof Error ? error : undefined);
      else sendFailure(res, error, state.original.end, state.original.writeHead);
      state.onError?.(error);
    },
  );
}

/** What a held-back call returns: `write` says "wait for drain", the others what the real method returns. */
function heldResult(res: ServerResponse, method: Method): unknown {
  return method === 'write' ? false : method === 'flushHeaders' ? undefined : res;
}

/** The hook of every method: holds the first call that would send headers until the commit finished. */
function intercept(res: ServerResponse, method: Method, args: unknown[]): unknown {
  const state = states.get(res);
  if (state === undefined) {
    // Not a hooked response (a method borrowed onto another object): the prototype's own method.
    return (Object.getPrototypeOf(Object.getPrototypeOf(res)) as Record<Method, AnyFn>)[method].apply(res, args);
  }
  if (state.queue) {
    state.queue.push([method, args]);
    if (method === 'write') state.heldWrite = true;
    return heldResult(res, method);
  }
  if (state.settled || !state.ctx.needsCommit) {
    // Late use: the session was first used after the headers went out; still save it before ending.
    if (method === 'end' && state.ctx.needsCommit) {
      state.queue = [[method, args]];
      commitThen(res, state, true);
      return res;
    }
    return state.original[method].apply(res, args);
  }
  state.queue = [[method, args]];
  if (method === 'write') state.heldWrite = true;
  commitThen(res, state, false);
  return heldResult(res, method);
}

/** The hook of one method, shared by every response (its state is looked up per response). */
function hookOf(method: Method): AnyFn {
  return function sessionCommitHook(this: ServerResponse, ...args: unknown[]): unknown {
    return intercept(this, method, args);
  };
}

/** The four hooks, made once. */
const HOOKS = Object.fromEntries(HOOKED.map((method) => [method, hookOf(method)])) as Record<Method, AnyFn>;

/** The property descriptors that put the hooks on a derived prototype. */
const HOOK_DESCRIPTORS: PropertyDescriptorMap = Object.fromEntries(
  HOOKED.map((method) => [method, { value: HOOKS[method], writable: true, configurable: true }]),
);

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

/**
 * {@link KoaCommitHooks}: the Koa binding's {@link ContextHooks}, which hold `ctx.res`'s headers for the commit
 * only when a route bypasses Koa's response handling.
 *
 * Koa writes the response itself after the whole middleware chain has settled, so the binding commits after
 * `await next()` and adds the cookie to the reply Koa is about to send: nothing needs to watch `ctx.res`. Only a
 * route that takes the response over (`ctx.respond = false`, then `ctx.res.writeHead`/`write`/`end`) sends headers
 * before that point. The commit-before-headers hooks (`intercept.ts`) cover such a route, but installing them on
 * every response that may commit is not free under Koa: they swap the response's prototype, and Node's and Koa's
 * response code then runs on a response of another shape. Measured (profiled, all-write load, `http-cpu.ts
 * --framework=koa`): 287-320 µs of server CPU per write with the hooks on every such response, 184-246 µs without.
 *
 * So the hooks are armed when `ctx.respond` is set to `false` (and before an error goes to Koa's own error
 * handling, which writes `ctx.res` too), through an accessor that {@link watchRespond}
 * puts once on the app's context prototype (`app.context`, which every `ctx` inherits from), or at once when the
 * route had already set it before the session could need a commit. Koa documents `ctx.respond = false` as the way
 * to bypass its response handling; a route that writes `ctx.res` without it sends its headers before the commit
 * (the changes are still saved, after the response, but no cookie can reach the client).
 *
 * @module
 */
import type { SessionData } from '@sessionkit/core';
import type { ContextHooks, SessionContext } from './context.js';
import { deferHeadersUntilCommit } from './intercept.js';

/** The fields of a Koa context these hooks use. */
interface BypassableContext {
  respond?: boolean;
  res: import('node:http').ServerResponse;
}

/** Where a context keeps the value of `respond` once the accessor is in place. */
const RESPOND = Symbol('sessionkit.koa.respond');
/** The hooks of the request a context belongs to, for the accessor to arm. */
const HOOKS = Symbol('sessionkit.koa.hooks');

type Carrier = BypassableContext & { [RESPOND]?: boolean; [HOOKS]?: KoaCommitHooks };

/** Context prototypes that already have the accessor (one per Koa app). */
const watched = new WeakSet<object>();

/**
 * Puts the `respond` accessor on `ctx`'s prototype (once per prototype). Returns `false`, and changes nothing,
 * when the prototype or the context already defines `respond` some other way: the caller then arms the hooks for
 * every request that may commit, as `node:http` does.
 */
export function watchRespond(ctx: object): boolean {
  const prototype = Object.getPrototypeOf(ctx) as object | null;
  if (prototype === null) return false;
  if (watched.has(prototype)) return !Object.hasOwn(ctx, 'respond');
  if (Object.hasOwn(ctx, 'respond') || 'respond' in prototype) return false;
  Object.defineProperty(prototype, 'respond', {
    configurable: true,
    enumerable: false,
    get(this: Carrier) {
      return this[RESPOND];
    },
    set(this: Carrier, value: boolean) {
      this[RESPOND] = value;
      if (value === false) this[HOOKS]?.holdHeaders();
    },
  });
  watched.add(prototype);
  return true;
}

/**
 * The {@link ContextHooks} of one Koa request. With `armAlways` (no accessor could be placed), the hooks go on
 * `ctx.res` as soon as a commit may be needed; otherwise only once the route bypasses Koa (see the module notes).
 */
export class KoaCommitHooks implements ContextHooks {
  readonly #ctx: Carrier;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #armAlways: boolean;
  /** The session that may need a commit, until the hooks are armed for it. */
  #pending: SessionContext<SessionData> | undefined;
  #armed = false;

  constructor(ctx: BypassableContext, onError: ((error: unknown) => void) | undefined, armAlways: boolean) {
    this.#ctx = ctx as Carrier;
    this.#onError = onError;
    this.#armAlways = armAlways;
    if (!armAlways) this.#ctx[HOOKS] = this;
  }

  /** Whether `ctx.res`'s headers are already out. */
  headersSent(): boolean {
    return this.#ctx.res.headersSent;
  }

  /** Arms the hooks now if the route already bypassed Koa (or always), else when it does. */
  onCommitPossible(session: SessionContext<SessionData>): void {
    this.#pending = session;
    if (this.#armAlways || this.#ctx.respond === false) this.holdHeaders();
  }

  /**
   * Holds `ctx.res`'s headers until the session has committed, once a commit may be needed: called when the route
   * sets `ctx.respond = false`, and by the binding before an error goes to Koa's error handling (which writes
   * `ctx.res` itself).
   */
  holdHeaders(): void {
    const session = this.#pending;
    if (session === undefined || this.#armed) return;
    this.#armed = true;
    deferHeadersUntilCommit(this.#ctx.res, session, this.#onError);
  }

  /** Whether the hooks on `ctx.res` own this request's commit. */
  get armed(): boolean {
    return this.#armed;
  }
}

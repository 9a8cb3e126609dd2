/**
 * Signed-in shoppers hitting one shop instance over real HTTP, as a load generator for fault tests: each shopper
 * signs in through the login form (as alice or bob, the demo accounts, several sessions each), then loops over
 * reads (`GET /cart`, 90 %) and writes (`POST /cart/add`, 10 %) until stopped, signing in again when its session
 * is gone (a backend that lost its data on a crash). Every request is recorded with its start, end and status;
 * a request that outlives its hang limit is aborted and recorded as a hang.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRODUCTS } from '../src/catalog.js';
import { csrfToken, formPost, sessionCookie } from './helpers.js';

/** One request a shopper made. Times are `performance.now()` milliseconds. */
export interface RequestRecord {
  readonly startedAt: number;
  readonly endedAt: number;
  /** The HTTP status, `'hang'` (aborted at the hang limit) or `'network'` (the shop itself did not answer). */
  readonly status: number | 'hang' | 'network';
  readonly kind: 'read' | 'write' | 'sign-in';
  /** A 200 read that found the shopper signed out: the backend no longer has the session. */
  readonly sessionLost: boolean;
}

/** Options of {@link startShoppers}. */
export interface ShopperLoadOptions {
  /** The shop's base URL. */
  readonly url: string;
  /** Concurrent shoppers (one request in flight each). */
  readonly shoppers: number;
  /** Share of requests that write (add to cart). Default 0.1. */
  readonly writeShare?: number;
  /** A read or write running longer than this is aborted and recorded as `'hang'`. */
  readonly hangLimitMs: number;
  /** Pause after a 503 before the shopper's next request (a user pressing reload). Default 50 ms. */
  readonly pauseAfterUnavailableMs?: number;
}

/** A running load: its records so far, and `stop()` which resolves once every shopper's last request ended. */
export interface ShopperLoad {
  readonly records: readonly RequestRecord[];
  /** Resolves once every shopper has signed in (and so holds a session in the store). */
  signedIn(): Promise<void>;
  stop(): Promise<void>;
}

/** The successful answers: a page (200) or the redirect after a form (303). */
export const isSuccess = (record: RequestRecord): boolean => record.status === 200 || record.status === 303;

/** The hang limit of sign-in requests (password hashing, not the store, dominates them). */
const SIGN_IN_LIMIT_MS = 60_000;

const showsUser = (page: string): boolean => page.includes('data-testid="user"');

/** Starts `shoppers` signed-in shoppers against `url`. */
export function startShoppers(options: ShopperLoadOptions): ShopperLoad {
  const records: RequestRecord[] = [];
  const writeShare = options.writeShare ?? 0.1;
  const pause = options.pauseAfterUnavailableMs ?? 50;
  let stopped = false;
  const markSignedIn: Array<() => void> = [];
  const allSignedIn = Promise.all(
    Array.from({ length: options.shoppers }, () => new Promise<void>((resolve) => markSignedIn.push(resolve))),
  );

  /** One request, recorded; resolves its response body (or `undefined` when it failed or hung). */
  async function request(
    kind: RequestRecord['kind'],
    path: string,
    init: RequestInit,
  ): Promise<{ response: Response; body: string } | undefined> {
    const startedAt = performance.now();
    try {
      const response = await fetch(`${options.url}${path}`, {
        redirect: 'manual',
        ...init,
        // Signing in hashes the password (scrypt, on libuv's 4 threads): 20 shoppers signing in at once queue
        // behind each other for seconds on a loaded 2-core machine, whatever the store does.
        signal: AbortSignal.timeout(kind === 'sign-in' ? SIGN_IN_LIMIT_MS : options.hangLimitMs),
      });
      const body = await response.text();
      const sessionLost = kind === 'read' && response.status === 200 && !showsUser(body);
      records.push({ startedAt, endedAt: performance.now(), status: response.status, kind, sessionLost });
      if (response.status === 503) await sleep(pause);
      return { response, body };
    } catch (error) {
      const hang = error instanceof DOMException && error.name === 'TimeoutError';
      records.push({
        startedAt,
        endedAt: performance.now(),
        status: hang ? 'hang' : 'network',
        kind,
        sessionLost: false,
      });
      await sleep(pause);
      return undefined;
    }
  }

  /** Signs in through the login form; `undefined` while the shop cannot (its store is down). */
  async function signIn(user: string): Promise<{ cookie: string; csrf: string } | undefined> {
    const loginPage = await request('sign-in', '/login', {});
    const token = loginPage?.response.status === 200 ? csrfToken(loginPage.body) : undefined;
    if (!loginPage || !token) return undefined;
    const anonymous = sessionCookie(loginPage.response);
    const login = await request(
      'sign-in',
      '/login',
      formPost({ username: user, password: user, _csrf: token }, anonymous),
    );
    const cookie = login?.response.status === 303 ? sessionCookie(login.response) : undefined;
    if (!cookie) return undefined;
    const home = await request('sign-in', '/', { headers: { cookie } });
    const csrf = home?.response.status === 200 ? csrfToken(home.body) : undefined;
    return csrf ? { cookie, csrf } : undefined;
  }

  async function shopper(n: number): Promise<void> {
    const user = n % 2 === 0 ? 'alice' : 'bob';
    let auth: { cookie: string; csrf: string } | undefined;
    await sleep(n * 50); // staggered, like users arriving
    for (let i = 0; !stopped; i++) {
      auth ??= await signIn(user);
      if (!auth || stopped) continue;
      markSignedIn[n]!();
      if (Math.random() < writeShare) {
        const product = PRODUCTS[i % PRODUCTS.length]!.id;
        const added = await request('write', '/cart/add', formPost({ product, _csrf: auth.csrf }, auth.cookie));
        // 403: the form token no longer matches a session (the backend lost it), so sign in again.
        if (added?.response.status === 403) auth = undefined;
      } else {
        const cart = await request('read', '/cart', { headers: { cookie: auth.cookie } });
        if (cart?.response.status === 200 && !showsUser(cart.body)) auth = undefined;
      }
    }
  }

  const running = Array.from({ length: options.shoppers }, (_, n) => shopper(n));
  return {
    records,
    async signedIn() {
      await allSignedIn;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

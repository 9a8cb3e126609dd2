/**
 * Per-request helpers the routes share: the typed session context, the page context every view needs, safe
 * redirects and HTML responses. POST forms are checked against CSRF by `csrfProtection` (see app.ts) before
 * any route runs; the token is derived from the session ID, so rendering one stores nothing.
 *
 * @module
 */

import type { Session } from '@sessionkit/core';
import type { SessionContext } from '@sessionkit/http';
import { getSession } from '@sessionkit/http';
import type { Request, Response } from 'express';
import type { ShopSession } from './shop-session.js';
import { cartLines } from './shop-session.js';
import type { User, UserDirectory } from './users.js';
import type { Html } from './views/html.js';
import type { PageContext } from './views/layout.js';

/** What the routes need besides the request. */
export interface ShopDeps {
  users: UserDirectory;
  /** `INSTANCE_NAME`: shown on every page and in the `X-Served-By` header. */
  instance: string;
  /** A description of the session store for the footer (no credentials). */
  storeLabel: string;
  /** Usernames shown on the login page. */
  demoUsers: string[];
}

/** The session context of a request (set by the SessionKit middleware). */
export function sessionContext(req: Request): SessionContext<ShopSession> {
  return getSession<ShopSession>(req);
}

/** The signed-in user of a loaded session, or `null`. */
export function currentUser(deps: ShopDeps, session: Session<ShopSession> | null): User | null {
  return deps.users.byId(session?.userId);
}

/**
 * Loads the session of a page with forms (`null` for a visitor who has none) and builds the page context.
 * Consumes the one-shot flash message. The forms' anti-CSRF token comes from the session ID: a visitor without
 * a session gets a cookie with a fresh ID and nothing is stored, so crawlers and bots cost the store nothing.
 */
export async function pageContext(
  req: Request,
  deps: ShopDeps,
): Promise<{ session: Session<ShopSession> | null; page: PageContext }> {
  const ctx = sessionContext(req);
  const session = await ctx.get();
  const flash = session?.get('flash');
  if (flash !== undefined) session!.unset('flash');
  return {
    session,
    page: {
      user: currentUser(deps, session),
      cartCount: cartLines(session?.get('cart')).count,
      // After every write of this request: the token belongs to the ID the client holds after this response.
      csrf: ctx.csrfToken(),
      instance: deps.instance,
      storeLabel: deps.storeLabel,
      flash,
    },
  };
}

/** A page context that never touches the store (error pages). */
export function bareContext(deps: ShopDeps): PageContext {
  return { user: null, cartCount: 0, csrf: undefined, instance: deps.instance, storeLabel: deps.storeLabel };
}

/**
 * The session of a POST (its CSRF token was already checked), or `null` for a visitor who has none.
 * `consistency: 'strong'` for critical steps such as checkout.
 */
export function postedSession(
  req: Request,
  options: { consistency?: 'eventual' | 'strong' } = {},
): Promise<Session<ShopSession> | null> {
  return sessionContext(req).get(options);
}

/** A string field of the posted form ('' when absent). */
export function field(req: Request, name: string): string {
  const value = ((req.body ?? {}) as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** A local path to go to after login; anything else (other hosts, `//evil`, `/\evil`) becomes `/`. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}

/** Sends a rendered page. */
export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(page.value);
}

/** Redirects after a POST (303 See Other, so the browser follows with GET). */
export function redirect(res: Response, location: string): void {
  res.redirect(303, location);
}

/**
 * Per-request helpers the routes share: the typed session context, the page context every view needs, the
 * CSRF check of POST forms, safe redirects and HTML responses.
 *
 * @module
 */
import type { Request, Response } from 'express';
import type { Session } from '@sessionkit/core';
import type { SessionContext } from '@sessionkit/http';
import { getSession } from '@sessionkit/http';
import { CsrfError, csrfTokenMatches, ensureCsrfToken, CSRF_FIELD } from './csrf.js';
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
 * Loads (or starts) the session for a page with forms and builds the page context. Starting a session here
 * stores the anti-CSRF token, so a visitor gets a session on their first page with a form.
 * Consumes the one-shot flash message.
 */
export async function pageContext(req: Request, deps: ShopDeps): Promise<{ session: Session<ShopSession>; page: PageContext }> {
  const session = await sessionContext(req).session();
  const csrf = ensureCsrfToken(session);
  const flash = session.get('flash');
  if (flash !== undefined) session.unset('flash');
  return {
    session,
    page: {
      user: currentUser(deps, session),
      cartCount: cartLines(session.get('cart')).count,
      csrf,
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
 * Loads the session of a POST and checks its anti-CSRF token; throws {@link CsrfError} (403) when the form
 * did not come from this session. `consistency: 'strong'` for critical steps such as checkout.
 */
export async function verifiedPost(req: Request, options: { consistency?: 'eventual' | 'strong' } = {}): Promise<Session<ShopSession> | null> {
  const session = await sessionContext(req).get(options);
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (!csrfTokenMatches(session, body[CSRF_FIELD])) throw new CsrfError();
  return session;
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

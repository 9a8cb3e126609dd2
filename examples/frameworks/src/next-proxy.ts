/**
 * A Next.js 16 proxy (`proxy.ts` at the project root; Next 16 renamed `middleware.ts` to `proxy.ts`, exporting
 * `proxy`, and runs it on the Node.js runtime only). Following Next's advice for proxies, it makes an
 * optimistic check with no store call: a visitor without a session token is sent to the login page before the
 * app renders; pages and route handlers still load the session (`withWebSession`, `webSessions`) and decide.
 * Returning nothing lets the request through. `NextRequest` extends `Request`, so the Web binding takes it as is.
 */
import { webSessions } from '@sessionkit/http';
import { sessionHttp } from './session.js';

const sessions = webSessions(sessionHttp);

/** Redirects a visitor without a session token to `/login?next=<path>`; lets the others through. */
export function proxy(request: Request): Response | undefined {
  if (sessions.open(request).session.tokenPresented) return undefined;
  const login = new URL('/login', request.url);
  login.searchParams.set('next', new URL(request.url).pathname);
  return Response.redirect(login, 307);
}

/** Only the account pages need a session. */
export const config = { matcher: ['/account/:path*'] };

/**
 * A Next.js 16 proxy (`proxy.ts` at the project root or in `src/`; Next 16 renamed `middleware.ts` to `proxy.ts`,
 * exporting `proxy`, and runs it on the Node.js runtime, which a proxy may not change: no `runtime` export).
 * Following Next's advice for proxies, it makes an optimistic check with no store call: a visitor without a
 * session token is sent to the login page before the app renders; pages and route handlers still load the
 * session (`withWebSession`, `webSessions`) and decide. `NextRequest` extends `Request`, so the Web binding
 * takes it as is.
 */
import { webSessions } from '@sessionkit/http';
import type { NextRequest, ProxyConfig } from 'next/server';
import { NextResponse } from 'next/server';
import { sessionHttp } from './session.js';

const sessions = webSessions(sessionHttp);

/** Redirects a visitor without a session token to `/login?next=<path>`; lets the others through. */
export function proxy(request: NextRequest): NextResponse {
  if (sessions.open(request).session.tokenPresented) return NextResponse.next();
  const login = new URL('/login', request.url);
  login.searchParams.set('next', request.nextUrl.pathname);
  return NextResponse.redirect(login, 307);
}

/** Only the account pages need a session (a constant: Next reads it at build time). */
export const config = { matcher: ['/account/:path*'] } satisfies ProxyConfig;

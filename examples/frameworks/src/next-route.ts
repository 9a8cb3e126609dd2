/**
 * A Next.js App Router route handler (`app/api/cart/route.ts`): `withWebSession` turns a Web-standard handler
 * into the `GET`/`POST` exports Next calls with its `NextRequest` (a `Request`), committing the session into
 * the `NextResponse`. A store outage answers 503 and a CSRF refusal 403, never Next's 500.
 */
import { webCsrf, withWebSession } from '@sessionkit/http';
import type { NextRequest } from 'next/server';
import { NextResponse } from 'next/server';
import type { AppSession } from './session.js';
import { sessionHttp } from './session.js';

/** What Next calls for one HTTP method of a route without dynamic segments. */
type RouteHandler = (request: NextRequest) => Promise<Response>;

const verifyCsrf = webCsrf();

/** The cart and the CSRF token for the next POST. */
export const GET = withWebSession<AppSession>(
  async (_request, session) =>
    NextResponse.json({ cart: (await session.get())?.get('cart') ?? [], csrf: session.csrfToken() }),
  sessionHttp,
) satisfies RouteHandler;

/** Adds the form's `item` to the cart (CSRF-checked). */
export const POST = withWebSession<AppSession>(async (request, session) => {
  const form = await request.formData().catch(() => undefined); // no form, no token: the check refuses it
  verifyCsrf(request, session, form); // throws CsrfError (403) before anything changes
  const item = form?.get('item');
  if (typeof item !== 'string') return NextResponse.json({ error: 'item is required' }, { status: 400 });
  const cart = (await session.session()).update('cart', (items) => [...(items ?? []), item]);
  return NextResponse.json({ cart });
}, sessionHttp) satisfies RouteHandler;

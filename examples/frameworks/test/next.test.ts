/**
 * The Next.js examples. The route handler runs on a real server through Next's own route-handler runtime (see
 * `serveNextRoute`); the proxy is tested as Next's docs advise, with `NextRequest`s and the matcher helpers of
 * `next/experimental/testing/server` (running it inside Next's proxy runner would need a `next build`).
 */
// What Next's server loads first (its `AsyncLocalStorage` global), before any other Next module.
import 'next/dist/server/node-environment-baseline';
import { getRedirectUrl, unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { config, proxy } from '../src/next-proxy.js';
import * as cartRoute from '../src/next-route.js';
import { serveNextRoute } from './next-route-module.js';
import type { Served } from './serve.js';
import { sessionCookie } from './serve.js';

let server: Served;
beforeAll(async () => {
  server = await serveNextRoute('/api/cart', cartRoute);
});
afterAll(() => server.close());

it('the route handler keeps a cart in the session, behind the CSRF check', async () => {
  const url = `${server.url}/api/cart`;
  const first = await fetch(url);
  const { cart, csrf } = (await first.json()) as { cart: string[]; csrf: string };
  expect(cart).toEqual([]);
  let cookie = sessionCookie(first)!;

  const refused = await fetch(url, {
    method: 'POST',
    headers: { cookie },
    body: new URLSearchParams({ item: 'book' }),
  });
  expect(refused.status).toBe(403);
  const add = (item: string) =>
    fetch(url, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ item, _csrf: csrf }) });
  const added = await add('book');
  expect(await added.json()).toEqual({ cart: ['book'] });
  // The first write stores a new session under a fresh ID (an anonymous ID is never adopted).
  cookie = sessionCookie(added)!;
  const next = (await (await fetch(url, { headers: { cookie } })).json()) as { cart: string[]; csrf: string };
  expect(next.cart).toEqual(['book']);
  const again = await fetch(url, {
    method: 'POST',
    headers: { cookie },
    body: new URLSearchParams({ item: 'pen', _csrf: next.csrf }),
  });
  expect(await again.json()).toEqual({ cart: ['book', 'pen'] });
  expect((await fetch(url, { method: 'DELETE', headers: { cookie } })).status, "Next's own 405").toBe(405);
});

it('the proxy sends visitors without a session token to the login page and lets the others through', () => {
  const anonymous = proxy(new NextRequest('https://shop.example/account/orders'));
  expect(anonymous.status).toBe(307);
  expect(getRedirectUrl(anonymous)).toBe('https://shop.example/login?next=%2Faccount%2Forders');
  const withCookie = new NextRequest('https://shop.example/account/orders', { headers: { cookie: '__Host-sid=x.y' } });
  const through = proxy(withCookie);
  expect(getRedirectUrl(through)).toBeNull();
  expect(through.headers.get('x-middleware-next'), 'NextResponse.next()').toBe('1');

  expect(unstable_doesMiddlewareMatch({ config, url: '/account/orders' })).toBe(true);
  expect(unstable_doesMiddlewareMatch({ config, url: '/login' })).toBe(false);
});

/**
 * The Next.js examples. `next` is not installed in this workspace, so the route handler's `GET`/`POST` are
 * served the way Next calls them (a `Request` in, a `Response` out) by @hono/node-server behind a one-route
 * router, and the proxy function is called with a `Request` as Next's proxy runner does.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { config, proxy } from '../src/next-proxy.js';
import { GET, POST } from '../src/next-route.js';
import type { Served } from './serve.js';
import { serveFetch, sessionCookie } from './serve.js';

let server: Served;
beforeAll(async () => {
  server = await serveFetch((request) => {
    if (new URL(request.url).pathname !== '/api/cart') return new Response(null, { status: 404 });
    return request.method === 'POST' ? POST(request) : GET(request);
  });
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
});

it('the proxy sends visitors without a session token to the login page and lets the others through', () => {
  const anonymous = proxy(new Request('https://shop.example/account/orders'))!;
  expect(anonymous.status).toBe(307);
  expect(anonymous.headers.get('location')).toBe('https://shop.example/login?next=%2Faccount%2Forders');
  const withCookie = new Request('https://shop.example/account/orders', { headers: { cookie: '__Host-sid=x.y' } });
  expect(proxy(withCookie)).toBeUndefined();
  expect(config.matcher).toEqual(['/account/:path*']);
});

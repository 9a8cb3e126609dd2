/** The Hono example on a real server (@hono/node-server on 127.0.0.1): sign-in, a session that persists, logout. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { app } from '../src/hono-app.js';
import type { Served } from './serve.js';
import { serveFetch, sessionCookie } from './serve.js';

let server: Served;
beforeAll(async () => {
  server = await serveFetch(app.fetch);
});
afterAll(() => server.close());

it('signs in, keeps the session across requests, and logs out', async () => {
  const page = await fetch(`${server.url}/login`);
  const anonymous = sessionCookie(page)!;
  const { csrf } = (await page.json()) as { csrf: string };

  const login = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { cookie: anonymous },
    body: new URLSearchParams({ name: 'alice', _csrf: csrf }),
  });
  expect(login.status).toBe(200);
  const cookie = sessionCookie(login)!;
  expect(cookie).not.toBe(anonymous);
  const after = (await login.json()) as { csrf: string };

  for (let i = 0; i < 2; i++) {
    const me = await fetch(`${server.url}/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ name: 'alice' });
  }
  expect(await (await fetch(`${server.url}/me`, { headers: { cookie: anonymous } })).json()).toEqual({ name: null });

  const forged = await fetch(`${server.url}/logout`, { method: 'POST', headers: { cookie } });
  expect(forged.status, 'no CSRF token').toBe(403);
  const logout = await fetch(`${server.url}/logout`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': after.csrf },
  });
  expect(await logout.json()).toEqual({ loggedOut: true });
  expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-sid=;.*Max-Age=0/);
  expect(await (await fetch(`${server.url}/me`, { headers: { cookie } })).json()).toEqual({ name: null });
});

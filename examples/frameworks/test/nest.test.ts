/**
 * The NestJS examples on both adapters, each on a real server (127.0.0.1, a free port): sign-in, a session that
 * persists, a store outage answered by the filter with SessionKit's 503 response, logout.
 */
import type { INestApplication } from '@nestjs/common';
import { StoreUnavailableError } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExpressApp } from '../src/nest-express.js';
import { createFastifyApp } from '../src/nest-fastify.js';
import { manager } from '../src/session.js';
import { sessionCookie } from './serve.js';

describe.each([
  ['Express', createExpressApp],
  ['Fastify', createFastifyApp],
] as const)('NestJS on %s', (_adapter, create: () => Promise<INestApplication>) => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    app = await create();
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app.close());

  const post = (path: string, cookie: string, csrf: string | undefined, body: object = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      body: JSON.stringify(body),
    });
  const me = async (cookie: string) => (await (await fetch(`${url}/me`, { headers: { cookie } })).json()) as object;

  it('signs in, keeps the session across requests, answers an outage 503, and logs out', async () => {
    const page = await fetch(`${url}/login`);
    const anonymous = sessionCookie(page)!;
    const { csrf } = (await page.json()) as { csrf: string };

    expect((await post('/login', anonymous, undefined, { name: 'alice' })).status, 'no CSRF token').toBe(403);
    expect((await post('/login', anonymous, csrf)).status, 'no name').toBe(400);
    const login = await post('/login', anonymous, csrf, { name: 'alice' });
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login)!;
    expect(cookie).not.toBe(anonymous);
    const after = (await login.json()) as { csrf: string };
    expect(await me(cookie)).toEqual({ name: 'alice' });
    expect(await me(cookie)).toEqual({ name: 'alice' });
    expect(await me(anonymous)).toEqual({ name: null });

    const down = vi
      .spyOn(manager.store, 'get')
      .mockRejectedValue(new StoreUnavailableError('connection lost', { store: 'memory', operation: 'get' }));
    const outage = await fetch(`${url}/me`, { headers: { cookie, accept: 'application/json' } });
    down.mockRestore();
    expect(outage.status).toBe(503);
    expect(outage.headers.get('retry-after'), "SessionKit's response, not Nest's").toBe('5');
    expect(await outage.json()).toMatchObject({ error: { code: 'SESSION_UNAVAILABLE' } });

    const logout = await post('/logout', cookie, after.csrf);
    expect(await logout.json()).toEqual({ loggedOut: true });
    expect(logout.headers.getSetCookie()[0]).toMatch(/^__Host-sid=;.*Max-Age=0/);
    expect(await me(cookie)).toEqual({ name: null });
  });
});

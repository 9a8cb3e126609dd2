/**
 * The React Router loader and action, run by React Router's own request handling: `createStaticHandler`, whose
 * `queryRoute` serves data and resource requests and `query` document requests in framework mode's server.
 */
import type { StaticHandlerContext } from 'react-router';
import { createStaticHandler } from 'react-router';
import { expect, it } from 'vitest';
import { action, loader } from '../src/react-router-routes.js';
import { sessionCookie } from './serve.js';

const ORIGIN = 'https://shop.example';
const handler = createStaticHandler([{ id: 'login', path: '/login', loader, action }]);
const queryRoute = (request: Request): Promise<Response> => handler.queryRoute(request);

it('the action logs in (redirect with the new cookie) and the loader reads the session', async () => {
  const page = await queryRoute(new Request(`${ORIGIN}/login`));
  const anonymous = sessionCookie(page)!;
  const { name, csrf } = (await page.json()) as { name: string | null; csrf: string };
  expect(name).toBeNull();

  const post = (token: string) =>
    queryRoute(
      new Request(`${ORIGIN}/login`, {
        method: 'POST',
        headers: { cookie: anonymous, origin: ORIGIN },
        body: new URLSearchParams({ name: 'alice', _csrf: token }),
      }),
    );
  const refused = await post('forged');
  expect(refused.status).toBe(403);
  expect(refused.headers.getSetCookie()).toEqual([]);

  const login = await post(csrf);
  expect(login.status).toBe(303);
  expect(login.headers.get('location')).toBe(`${ORIGIN}/`);
  const cookie = sessionCookie(login)!;
  expect(cookie).not.toBe(anonymous);
  for (let i = 0; i < 2; i++) {
    const me = await queryRoute(new Request(`${ORIGIN}/login`, { headers: { cookie } }));
    expect(((await me.json()) as { name: string }).name).toBe('alice');
  }

  // A document request: React Router keeps the loader's headers (its Set-Cookie) for the page's response.
  const fresh = (await handler.query(new Request(`${ORIGIN}/login`))) as StaticHandlerContext;
  expect(fresh.loaderData.login).toMatchObject({ name: null });
  expect(sessionCookie(new Response(null, { headers: fresh.loaderHeaders.login }))).toBeDefined();
});

/**
 * The React Router loader and action. `react-router` is not installed in this workspace, so they are called as
 * its request handling calls them: with `{ request, params, context }`, sending the `Response` they return.
 */
import { expect, it } from 'vitest';
import { action, loader } from '../src/react-router-routes.js';
import { sessionCookie } from './serve.js';

const ORIGIN = 'https://shop.example';
const args = (request: Request) => ({ request, params: {}, context: {} });

it('the action logs in (redirect with the new cookie) and the loader reads the session', async () => {
  const page = await loader(args(new Request(`${ORIGIN}/`)));
  const anonymous = sessionCookie(page)!;
  const { name, csrf } = (await page.json()) as { name: string | null; csrf: string };
  expect(name).toBeNull();

  const post = (token: string) =>
    action(
      args(
        new Request(`${ORIGIN}/login`, {
          method: 'POST',
          headers: { cookie: anonymous, origin: ORIGIN },
          body: new URLSearchParams({ name: 'alice', _csrf: token }),
        }),
      ),
    );
  const refused = await post('forged');
  expect(refused.status).toBe(403);
  expect(refused.headers.getSetCookie()).toEqual([]);

  const login = await post(csrf);
  expect(login.status).toBe(303);
  expect(login.headers.get('location')).toBe(`${ORIGIN}/`);
  const cookie = sessionCookie(login)!;
  expect(cookie).not.toBe(anonymous);
  const me = await loader(args(new Request(`${ORIGIN}/`, { headers: { cookie } })));
  expect(((await me.json()) as { name: string }).name).toBe('alice');
});

/**
 * Hono: `honoSession` puts the session in `c.var.session` and commits it after the handler; `honoCsrf` checks
 * unsafe requests. Run on Node with `serve({ fetch: app.fetch, port: 3000 })` from @hono/node-server, or
 * `export default app` on Bun, Deno or Cloudflare Workers.
 */
import type { SessionEnv } from '@sessionkit/http';
import { honoCsrf, honoSession } from '@sessionkit/http';
import { Hono } from 'hono';
import type { AppSession } from './session.js';
import { sessionHttp } from './session.js';

/** The app: `GET /login` (a CSRF token), `POST /login`, `GET /me`, `POST /logout`. */
export const app = new Hono<SessionEnv<AppSession>>();
app.use(honoSession(sessionHttp), honoCsrf());

// The page a form would be rendered on: hands out the CSRF token (no store call, nothing stored).
app.get('/login', (c) => c.json({ csrf: c.var.session.csrfToken() }));

app.post('/login', async (c) => {
  const { name } = await c.req.parseBody(); // a real app checks a password here
  if (typeof name !== 'string') return c.json({ error: 'name is required' }, 400);
  (await c.var.session.regenerate({ userId: name })).set('name', name); // new ID: the pre-login cookie is dead
  return c.json({ csrf: c.var.session.csrfToken() }); // the token of the new session
});

app.get('/me', async (c) => c.json({ name: (await c.var.session.get())?.get('name') ?? null }));

app.post('/logout', async (c) => c.json({ loggedOut: await c.var.session.destroy() }));

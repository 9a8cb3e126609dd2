import { Hono } from 'hono';
import type { SessionEnv } from '../../src/index.js';
import { honoCsrf, honoSession } from '../../src/index.js';
import type { Binding, Data } from '../helpers.js';
import { BIG_BYTES, routes } from '../helpers.js';
import { bigWebStream, serveFetch, slowWebStream } from './serve.js';

/** Hono with `honoSession` (and `honoCsrf`), served by `@hono/node-server`. */
export const honoBinding: Binding = {
  name: 'hono',
  async start({ onError, ...options }, csrf) {
    const app = new Hono<SessionEnv<Data>>();
    app.use(honoSession<Data>({ ...options, onError: onError ?? (() => {}) }));
    if (csrf) app.use(honoCsrf(csrf));
    for (const [path, route] of Object.entries(routes)) {
      app.all(path, async (c) => c.json(await route(c.var.session, new URL(c.req.url).searchParams)));
    }
    app.get('/stream', async (c) => {
      (await c.var.session.session()).set('streamed', true);
      return c.body(slowWebStream(), 200, { 'content-type': 'text/plain' });
    });
    app.get('/big', async (c) => {
      (await c.var.session.session()).set('big', true);
      return c.body(bigWebStream(BIG_BYTES), 200, { 'content-type': 'application/octet-stream' });
    });
    // Expected session errors are answered by honoSession; keep Hono's default handler from printing them.
    app.onError((_error, c) => c.text('Internal Server Error', 500));
    return serveFetch(app.fetch);
  },
};

import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import express4 from 'express4';
import { csrfProtection, getSession, sessionMiddleware } from '../../src/index.js';
import type { Binding, Data } from '../helpers.js';
import { bigStream, listen, query, routes } from '../helpers.js';

/**
 * Express 4 (the `express4` alias package) with the same middleware and routes as Express 5. Express 4 does not
 * catch a rejected promise of an `async` handler (the request would hang), so every route hands its rejection
 * to `next`, where Express's final handler answers a session error with its own status (503, 409).
 */
export const express4Binding: Binding = {
  name: 'express 4',
  async start(options, csrf) {
    const app = express4();
    app.set('env', 'test'); // the final handler does not print expected 503s
    if (csrf) app.use(express4.urlencoded({ extended: false }), express4.json());
    app.use(sessionMiddleware<Data>(options));
    if (csrf) app.use(csrfProtection(csrf));
    for (const [path, route] of Object.entries(routes)) {
      app.all(path, (req, res, next) => {
        route(getSession<Data>(req), query(req.url)).then((body) => res.json(body), next);
      });
    }
    app.get('/stream', (req, res, next) => {
      (async () => {
        const s = await getSession<Data>(req).session();
        s.set('streamed', true);
        res.setHeader('content-type', 'text/plain');
        res.write('a');
        await sleep(10);
        res.end('b');
      })().catch(next);
    });
    app.get('/big', (req, res, next) => {
      getSession<Data>(req)
        .session()
        .then((s) => {
          s.set('big', true);
          res.setHeader('content-type', 'application/octet-stream');
          bigStream().pipe(res);
        }, next);
    });
    return listen(createServer(app));
  },
};

/**
 * What the shared binding matrix cannot show about the Web and Hono bindings: immutable response headers,
 * errors that are not session errors, a custom Hono error handler, and FormData/JSON bodies for the CSRF check.
 * Called in process through `fetch`-style handlers (the matrix covers the same code over real sockets).
 */
import { MemoryStore, SessionManager, StoreUnavailableError } from '@sessionkit/core';
import type { ErrorHandler } from 'hono';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { SessionEnv } from '../src/index.js';
import {
  honoCsrf,
  honoSession,
  SessionUnavailableError,
  webCsrf,
  webErrorResponse,
  webSessions,
  withWebSession,
} from '../src/index.js';
import type { Data } from './helpers.js';
import { SECRET } from './helpers.js';

const manager = new SessionManager<Data>({ store: new MemoryStore(), idleTimeout: 60_000, absoluteTimeout: 120_000 });
const options = { manager, secrets: [SECRET] };
const ORIGIN = 'http://app.test';
const DOWN = new StoreUnavailableError('connection lost', { store: 'memory', operation: 'get' });

describe('webSessions', () => {
  it('adds the Set-Cookie to a response with immutable headers by rebuilding it around the same body', async () => {
    const scope = webSessions<Data>(options).open(new Request(`${ORIGIN}/login`, { method: 'POST' }));
    await scope.session.regenerate({ userId: 'alice' });
    const redirect = Response.redirect(`${ORIGIN}/home`, 303);
    expect(() => redirect.headers.set('x', 'y')).toThrow(TypeError);
    const sent = await scope.commit(redirect);
    expect(sent).not.toBe(redirect);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`${ORIGIN}/home`);
    expect(sent.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-sid=/)]);
  });

  it('adds it in place to a mutable response, and returns a response untouched when nothing is due', async () => {
    const sessions = webSessions<Data>(options);
    const writer = sessions.open(new Request(`${ORIGIN}/set`));
    (await writer.session.session()).set('a', 1);
    const response = new Response('ok', { headers: { 'set-cookie': 'theme=dark' } });
    expect(await writer.commit(response)).toBe(response);
    expect(response.headers.getSetCookie()).toEqual(['theme=dark', expect.stringMatching(/^__Host-sid=/)]);
    const reader = sessions.open(new Request(`${ORIGIN}/noop`));
    const untouched = new Response('ok');
    expect(await reader.commit(untouched)).toBe(untouched);
    expect(untouched.headers.getSetCookie()).toEqual([]);
  });
});

describe('withWebSession', () => {
  it('answers an unexpected error 500, after onError heard it; a session error with its own status', async () => {
    const heard: unknown[] = [];
    const fetch = withWebSession<Data>(
      async (request) => {
        if (request.url.endsWith('/bug')) throw new Error('bug');
        throw new SessionUnavailableError('load', DOWN);
      },
      { ...options, onError: (error) => heard.push(error) },
    );
    const bug = await fetch(new Request(`${ORIGIN}/bug`, { headers: { accept: 'application/json' } }));
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal Server Error' } });
    expect(heard).toEqual([expect.objectContaining({ message: 'bug' })]);
    const outage = await fetch(new Request(`${ORIGIN}/outage`));
    expect(outage.status).toBe(503);
    expect(outage.headers.get('retry-after')).toBe('5');
    expect(heard).toHaveLength(1);
  });

  it('webCsrf reads the token from FormData', async () => {
    const verifyCsrf = webCsrf();
    const fetch = withWebSession<Data>(async (request, session) => {
      if (request.method === 'GET') return Response.json({ token: session.csrfToken() });
      verifyCsrf(request, session, await request.formData());
      return new Response('done');
    }, options);
    const page = await fetch(new Request(`${ORIGIN}/form`));
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const { token } = (await page.json()) as { token: string };
    const post = (body: string) =>
      fetch(
        new Request(`${ORIGIN}/act`, {
          method: 'POST',
          headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        }),
      );
    expect((await post(`_csrf=${token}`)).status).toBe(200);
    expect((await post('_csrf=nope')).status).toBe(403);
  });
});

describe('honoSession and honoCsrf', () => {
  const app = (onError?: ErrorHandler<SessionEnv<Data>>) => {
    const hono = new Hono<SessionEnv<Data>>();
    hono.use(honoSession<Data>(options), honoCsrf());
    hono.get('/form', (c) => c.json({ token: c.var.session.csrfToken() }));
    hono.post('/act', async (c) => c.json({ body: await c.req.json(), user: (await c.var.session.get())?.userId }));
    hono.get('/outage', () => {
      throw new SessionUnavailableError('load', DOWN);
    });
    if (onError) hono.onError(onError);
    return hono;
  };

  it('checks the _csrf field of a JSON body, which the route can still read', async () => {
    const hono = app();
    const page = await hono.request('/form');
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const { token } = (await page.json()) as { token: string };
    const post = (body: unknown) =>
      hono.request('/act', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    const passed = await post({ _csrf: token, n: 1 });
    expect(passed.status).toBe(200);
    expect(await passed.json()).toEqual({ body: { _csrf: token, n: 1 } });
    const refused = await post({ _csrf: 'nope' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'CSRF_REJECTED', reason: 'bad-token' } });
  });

  it("leaves an onError that answers a session error with its status alone, and replaces the default's 500", async () => {
    const custom = app((error, c) =>
      error instanceof SessionUnavailableError ? c.text('custom outage page', 503) : c.text('oops', 500),
    );
    const page = await custom.request('/outage');
    expect(page.status).toBe(503);
    expect(await page.text()).toBe('custom outage page');
    const plain = app((_error, c) => c.text('oops', 500));
    const replaced = await plain.request('/outage', { headers: { accept: 'application/json' } });
    expect(replaced.status).toBe(503);
    expect(await replaced.json()).toMatchObject({ error: { code: 'SESSION_UNAVAILABLE' } });
    expect(webErrorResponse(new Error('x'), new Request(ORIGIN)).status).toBe(500);
  });
});

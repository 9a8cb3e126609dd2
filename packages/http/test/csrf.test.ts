/**
 * CSRF protection over every binding (Express `csrfProtection`, Fastify `fastifyCsrf`, node:http
 * `csrfVerifier`): a real server on 127.0.0.1:0 and real fetch calls, with the store's calls counted.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CountingStore } from '@sessionkit/conformance';
import { countingStore } from '@sessionkit/conformance';
import { ConfigurationError, generateSessionId, ManualClock, MemoryStore, SessionManager } from '@sessionkit/core';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CsrfFailureReason, CsrfOptions, SessionHttpOptions } from '../src/index.js';
import {
  CsrfError,
  CsrfGuard,
  CsrfTokens,
  createSigner,
  csrfProtection,
  fastifyCsrf,
  fastifySession,
  sessionMiddleware,
} from '../src/index.js';
import type { Data, Harness, Reply } from './helpers.js';
import { bindings, clearsCookie, cookiePair, flip, OLD_SECRET, SECRET, send } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const EVIL = 'https://evil.example';

/** A visitor's cookie (`name=value`) and the token a page rendered for it. */
interface Visitor {
  cookie: string;
  token: string;
}

/** The signed cookie value's session ID. */
const idOf = (cookie: string): string => cookie.slice(cookie.indexOf('=') + 1).split('.')[0]!;

describe.each(bindings)('$name binding: CSRF', (binding) => {
  let clock: ManualClock;
  let memory: MemoryStore;
  let counting: CountingStore;
  let manager: SessionManager<Data>;
  let h: Harness;
  const open = async (extra: Partial<SessionHttpOptions<Data>> = {}, csrf: CsrfOptions = {}): Promise<Harness> =>
    binding.start({ manager, secrets: [SECRET, OLD_SECRET], clock, ...extra }, csrf);

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2030, 0, 1));
    memory = new MemoryStore({ clock });
    counting = countingStore(memory);
    manager = new SessionManager<Data>({ store: counting, clock, idleTimeout: 30 * MINUTE, absoluteTimeout: 2 * HOUR });
    h = await open();
  });
  afterEach(async () => {
    await h.close();
  });

  /** A first visit: GET a page that renders a token. */
  const visit = async (): Promise<Visitor> => {
    const reply = await send(`${h.url}/form`);
    expect(reply.status).toBe(200);
    return { cookie: cookiePair(reply)!, token: reply.body.token };
  };

  /** A form post (the token in the `_csrf` field), with optional extra headers. */
  const post = (path: string, visitor: Partial<Visitor>, headers: Record<string, string> = {}): Promise<Reply> => {
    const body = new URLSearchParams(visitor.token === undefined ? {} : { _csrf: visitor.token });
    return send(`${h.url}${path}`, {
      method: 'POST',
      cookie: visitor.cookie,
      headers: { accept: 'application/json', ...headers },
      body,
    });
  };

  /** Logs a visitor in through the protected login form; resolves the new cookie and the token it rendered. */
  const login = async (visitor: Visitor, user = 'alice'): Promise<Visitor> => {
    const reply = await post(`/login-form?user=${user}`, visitor);
    expect(reply.status).toBe(200);
    return { cookie: cookiePair(reply)!, token: reply.body.token };
  };

  /** Asserts the documented 403 and that the refusal cost no store call at all (so no write). */
  const expectRefused = (reply: Reply, reason: CsrfFailureReason, label?: string): void => {
    expect(reply.status, label).toBe(403);
    expect(reply.headers.get('content-type'), label).toMatch(/^application\/json/);
    expect(reply.headers.get('cache-control'), label).toBe('no-store');
    expect(reply.body, label).toEqual({
      error: { code: 'CSRF_REJECTED', reason, message: expect.stringMatching(/^The request was refused/) },
    });
    expect(reply.setCookies, label).toEqual([]);
    expect(counting.calls(), label).toBe(0);
  };

  it('a cookieless GET that renders a token stores nothing and sets a browser-session cookie; the POST with them passes', async () => {
    const reply = await send(`${h.url}/form`);
    expect(reply.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(reply.setCookies).toHaveLength(1);
    const line = reply.setCookies[0]!;
    expect(line).toMatch(/^__Host-sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(counting.calls()).toBe(0);
    expect(counting.writes()).toBe(0);
    expect(memory.stats.entries).toBe(0);
    const visitor = { cookie: cookiePair(reply)!, token: reply.body.token as string };

    // Later pages of the same visitor render the same token and leave the cookie alone.
    const again = await send(`${h.url}/form`, { cookie: visitor.cookie });
    expect(again.body.token).toBe(visitor.token);
    expect(again.setCookies).toEqual([]);
    // Even with a read that finds no record for the cookie's ID, before or after the token: the cookie is kept.
    for (const path of ['/whoami-form', '/form-then-whoami']) {
      const read = await send(`${h.url}${path}`, { cookie: visitor.cookie });
      expect(read.body, path).toEqual({ user: null, token: visitor.token });
      expect(read.setCookies, path).toEqual([]);
    }
    expect(counting.writes()).toBe(0);
    expect(memory.stats.entries).toBe(0);

    const write = await post('/set?k=cart&v=book', visitor);
    expect(write.status).toBe(200);
    expect(memory.stats.entries).toBe(1);
    // Strict mode: the anonymous ID is never adopted; the first write stores a new session under a fresh ID.
    const stored = cookiePair(write)!;
    expect(idOf(stored)).not.toBe(idOf(visitor.cookie));
    expect((await send(`${h.url}/whoami`, { cookie: stored })).body.data).toEqual({ cart: 'book' });
    // So a token rendered before that first write no longer matches; the next page renders the new one.
    counting.reset();
    expectRefused(await post('/set?k=cart&v=pen', { cookie: stored, token: visitor.token }), 'bad-token');
    const next = await send(`${h.url}/form`, { cookie: stored });
    expect((await post('/set?k=cart&v=pen', { cookie: stored, token: next.body.token })).status).toBe(200);
  });

  it('a token rendered before a read of a cookieless request still gets its cookie', async () => {
    const reply = await send(`${h.url}/form-then-whoami`);
    expect(reply.body.user).toBeNull();
    const visitor = { cookie: cookiePair(reply)!, token: reply.body.token as string };
    expect(visitor.cookie).toBeDefined();
    expect(counting.writes()).toBe(0);
    expect((await post('/set?k=a&v=1', visitor)).status).toBe(200);
  });

  it('missing, wrong, malformed, cross-session and forged-cookie tokens are refused with no store call', async () => {
    const alice = await visit();
    const bob = await visit();
    const aliceId = idOf(alice.cookie);
    const [, sig] = alice.cookie.split('.') as [string, string];
    const cases: Array<[label: string, visitor: Partial<Visitor>, reason: CsrfFailureReason]> = [
      ['missing', { cookie: alice.cookie }, 'missing-token'],
      ['empty', { cookie: alice.cookie, token: '' }, 'missing-token'],
      ['wrong', { cookie: alice.cookie, token: flip(alice.token, 10) }, 'bad-token'],
      ['last character', { cookie: alice.cookie, token: flip(alice.token, 42) }, 'bad-token'],
      ['truncated', { cookie: alice.cookie, token: alice.token.slice(0, 42) }, 'bad-token'],
      ['appended', { cookie: alice.cookie, token: `${alice.token}A` }, 'bad-token'],
      ['cross-session', { cookie: alice.cookie, token: bob.token }, 'bad-token'],
      ['the session ID itself', { cookie: alice.cookie, token: aliceId }, 'bad-token'],
      ['the cookie signature (another key)', { cookie: alice.cookie, token: sig }, 'bad-token'],
      ['forged cookie', { cookie: `__Host-sid=${flip(aliceId, 3)}.${sig}`, token: alice.token }, 'bad-token'],
      ['no cookie', { token: alice.token }, 'no-cookie'],
    ];
    for (const [label, visitor, reason] of cases) {
      counting.reset();
      expectRefused(await post('/set?k=a&v=1', visitor), reason, label);
    }
    expect(memory.stats.entries).toBe(0);
  });

  it('a token from before login, replayed after login, is refused; the token rendered after login passes', async () => {
    const anonymous = await visit();
    const user = await login(anonymous);
    expect(idOf(user.cookie)).not.toBe(idOf(anonymous.cookie));
    expect(user.token).not.toBe(anonymous.token);
    counting.reset();
    expectRefused(await post('/set?k=a&v=1', { cookie: user.cookie, token: anonymous.token }), 'bad-token');
    expect((await post('/set?k=a&v=1', user)).status).toBe(200);
    // A later page of the logged-in session renders the same token the login response did.
    expect((await send(`${h.url}/form`, { cookie: user.cookie })).body.token).toBe(user.token);
    // Login CSRF: a login post without the visitor's cookie is refused before any store call.
    counting.reset();
    expectRefused(await post('/login-form?user=mallory', { token: anonymous.token }), 'no-cookie');
  });

  it('cross-origin and cross-site requests are refused even with a valid token', async () => {
    const visitor = await visit();
    const cases: Array<[label: string, headers: Record<string, string>, reason: CsrfFailureReason]> = [
      ['another origin', { origin: EVIL }, 'cross-origin'],
      ['same host, other scheme', { origin: h.url.replace('http:', 'https:') }, 'cross-origin'],
      ['same host, other port', { origin: 'http://127.0.0.1:1' }, 'cross-origin'],
      ['opaque origin', { origin: 'null' }, 'cross-origin'],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, 'cross-site'],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, 'cross-origin'],
      ['own Origin, but cross-site', { origin: h.url, 'sec-fetch-site': 'cross-site' }, 'cross-site'],
    ];
    for (const [label, headers, reason] of cases) {
      counting.reset();
      expectRefused(await post('/set?k=a&v=1', visitor, headers), reason, label);
    }
    // Same-origin, user-initiated, or no fetch metadata at all (older browsers): the token decides.
    const allowed: Array<Record<string, string>> = [
      { origin: h.url, 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      {},
    ];
    for (const headers of allowed) {
      expect((await post('/set?k=a&v=1', visitor, headers)).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('a refusal answers plain text to clients that do not ask for JSON', async () => {
    const visitor = await visit();
    const reply = await post('/set?k=a&v=1', { cookie: visitor.cookie }, { accept: 'text/html,*/*;q=0.8' });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.body).toBe('The request was refused: it carried no CSRF token. Reload the page and try again.');
  });

  it('trusted origins may post (same-site or cross-site), with the token', async () => {
    await h.close();
    h = await open({}, { trustedOrigins: ['https://admin.shop.example', 'https://pay.example:8443'] });
    const visitor = await visit();
    const admin = { origin: 'https://admin.shop.example', 'sec-fetch-site': 'same-site' };
    expect((await post('/set?k=a&v=1', visitor, admin)).status).toBe(200);
    expect(
      (await post('/set?k=a&v=1', visitor, { origin: 'https://pay.example:8443', 'sec-fetch-site': 'cross-site' }))
        .status,
    ).toBe(200);
    counting.reset();
    expectRefused(await post('/set?k=a&v=1', { cookie: visitor.cookie }, admin), 'missing-token');
    expectRefused(
      await post('/set?k=a&v=1', visitor, { origin: 'https://pay.example', 'sec-fetch-site': 'cross-site' }),
      'cross-origin',
    );
    expectRefused(
      await post('/set?k=a&v=1', visitor, { origin: 'https://other.shop.example', 'sec-fetch-site': 'same-site' }),
      'cross-origin',
    );
  });

  it('safe methods are never checked', async () => {
    const hostile = { origin: EVIL, 'sec-fetch-site': 'cross-site' };
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const reply = await send(`${h.url}/whoami`, { method, headers: hostile });
      expect(reply.status, method).not.toBe(403);
      expect(reply.status, method).toBeLessThan(300);
    }
    // Unsafe methods other than POST are.
    const visitor = await visit();
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      counting.reset();
      const reply = await send(`${h.url}/set?k=a&v=1`, {
        method,
        cookie: visitor.cookie,
        headers: { accept: 'application/json' },
      });
      expectRefused(reply, 'missing-token', method);
    }
  });

  it('the token in the x-csrf-token header works, with or without a body, and wins over the field', async () => {
    const visitor = await visit();
    const viaHeader = (token: string, body?: string, type?: string) =>
      send(`${h.url}/set?k=a&v=1`, {
        method: 'POST',
        cookie: visitor.cookie,
        headers: { accept: 'application/json', 'x-csrf-token': token, ...(type ? { 'content-type': type } : {}) },
        body,
      });
    expect((await viaHeader(visitor.token)).status).toBe(200);
    expect((await viaHeader(visitor.token, JSON.stringify({ a: 1 }), 'application/json')).status).toBe(200);
    counting.reset();
    const wrongHeader = await viaHeader(
      flip(visitor.token, 0),
      `_csrf=${visitor.token}`,
      'application/x-www-form-urlencoded',
    );
    expectRefused(wrongHeader, 'bad-token');
  });

  it('a token issued under the old secret still verifies after a new secret is prepended', async () => {
    await h.close();
    h = await open({ secrets: [OLD_SECRET] });
    const anonymous = await visit();
    const user = await login(await visit());
    await h.close();
    h = await open({ secrets: [SECRET, OLD_SECRET] });
    expect((await post('/set?k=a&v=1', anonymous)).status).toBe(200);
    const reply = await post('/set?k=b&v=2', user);
    expect(reply.status).toBe(200);
    // New pages render the token under the new secret's key; both verify until the old secret is dropped.
    const fresh = await send(`${h.url}/form`, { cookie: user.cookie });
    expect(fresh.body.token).not.toBe(user.token);
    expect((await post('/set?k=c&v=3', { cookie: user.cookie, token: fresh.body.token })).status).toBe(200);
    await h.close();
    h = await open({ secrets: [SECRET] });
    const reissued = cookiePair(reply)!; // re-signed with the new secret when the old one was still listed
    expect((await post('/set?k=d&v=4', { cookie: reissued, token: fresh.body.token })).status).toBe(200);
    counting.reset();
    expectRefused(await post('/set?k=e&v=5', { cookie: reissued, token: user.token }), 'bad-token');
  });

  it('requests whose session came in the Authorization header are not checked', async () => {
    await h.close();
    h = await open({ header: true });
    const reply = await send(`${h.url}/login?user=carol`, { method: 'POST', headers: { authorization: 'Session' } });
    // The login itself came with the header transport (the bare scheme asks for a token), so no CSRF token.
    expect(reply.status).toBe(200);
    const token = reply.headers.get('session-token')!;
    const api = await send(`${h.url}/set?k=a&v=1`, {
      method: 'POST',
      headers: { authorization: `Session ${token}`, origin: EVIL },
    });
    expect(api.status).toBe(200);
    expect((await send(`${h.url}/whoami`, { headers: { authorization: `Session ${token}` } })).body.data.a).toBe('1');
    // A Bearer header is not ours: the request is a cookie request and is checked.
    counting.reset();
    expectRefused(await post('/set?k=a&v=1', {}, { authorization: `Bearer ${token}` }), 'no-cookie');
  });

  it('a new session with nothing written yet sends its cookie with the token, and stores nothing', async () => {
    const reply = await send(`${h.url}/session-form`);
    const visitor = { cookie: cookiePair(reply)!, token: reply.body.token as string };
    expect(reply.setCookies[0]).not.toContain('Max-Age');
    expect(counting.writes()).toBe(0);
    expect(memory.stats.entries).toBe(0);
    expect((await post('/set?k=a&v=1', visitor)).status).toBe(200);
  });

  it('logout kills the old token and hands out a fresh anonymous one in the same response', async () => {
    const user = await login(await visit());
    const reply = await post('/logout-form', user);
    expect(reply.status).toBe(200);
    expect(reply.body.destroyed).toBe(true);
    expect(clearsCookie(reply)).toBe(false); // replaced by the new anonymous cookie instead
    const anonymous = { cookie: cookiePair(reply)!, token: reply.body.token as string };
    expect(idOf(anonymous.cookie)).not.toBe(idOf(user.cookie));
    counting.reset();
    expectRefused(await post('/set?k=a&v=1', { cookie: anonymous.cookie, token: user.token }), 'bad-token');
    expect((await post('/login-form?user=bob', anonymous)).status).toBe(200);
  });
});

describe('fastifyCsrf', () => {
  it('checks only the routes of the scope it is registered in (and its children)', async () => {
    const app = Fastify();
    const manager = new SessionManager<Data>({ idleTimeout: 30 * MINUTE, absoluteTimeout: 2 * HOUR });
    await app.register(fastifySession<Data>({ manager, secrets: SECRET }));
    app.post('/webhook', async () => 'open');
    await app.register(async (scope) => {
      await scope.register(fastifyCsrf());
      scope.post('/guarded', async () => 'guarded');
    });
    expect((await app.inject({ method: 'POST', url: '/webhook' })).statusCode).toBe(200);
    const guarded = await app.inject({ method: 'POST', url: '/guarded', headers: { accept: 'application/json' } });
    expect(guarded.statusCode).toBe(403);
    expect(guarded.json()).toMatchObject({ error: { code: 'CSRF_REJECTED', reason: 'no-cookie' } });
    await app.close();
  });
});

describe('CsrfTokens and CsrfGuard', () => {
  it('binds a token to one ID, under keys derived per secret, and verifies under every secret', () => {
    const id = generateSessionId();
    const current = new CsrfTokens([SECRET, OLD_SECRET]);
    const old = new CsrfTokens(OLD_SECRET);
    const token = current.issue(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/);
    expect(current.verify(id, token)).toBe(true);
    expect(current.verify(id, old.issue(id))).toBe(true);
    expect(old.verify(id, token)).toBe(false);
    expect(current.verify(generateSessionId(), token)).toBe(false);
    expect(current.verify(undefined, token)).toBe(false);
    for (const bad of [undefined, null, 42, '', token.slice(1), `${token}=`, flip(token, 42)]) {
      expect(current.verify(id, bad)).toBe(false);
    }
    // Not the cookie's signature: the CSRF key is derived from the secret, not the secret itself.
    expect(createSigner(SECRET).sign(id).split('.')[1]).not.toBe(token);
  });

  it('refuses invalid options at startup', () => {
    expect(() => new CsrfGuard({ trustedOrigins: ['https://shop.example/path'] })).toThrow(ConfigurationError);
    expect(() => new CsrfGuard({ trustedOrigins: ['shop.example'] })).toThrow(ConfigurationError);
    expect(() => new CsrfGuard({ trustedOrigins: ['ftp://shop.example'] })).toThrow(ConfigurationError);
    expect(() => new CsrfGuard({ header: 'x csrf' })).toThrow(ConfigurationError);
    expect(() => new CsrfGuard({ field: '' })).toThrow(ConfigurationError);
    expect(new CsrfGuard({ trustedOrigins: ['HTTPS://Shop.Example:443/'] })).toBeInstanceOf(CsrfGuard);
  });
});

describe('csrfProtection({ forwardErrors: true }) (Express)', () => {
  it("hands the refusal to the app's error handler, which renders its own page", async () => {
    const manager = new SessionManager<Data>({
      store: new MemoryStore(),
      idleTimeout: 30 * MINUTE,
      absoluteTimeout: 2 * HOUR,
    });
    const app = express();
    app.use(sessionMiddleware<Data>({ manager, secrets: [SECRET], cookie: { secure: false } }));
    app.use(express.urlencoded({ extended: false }));
    app.use(csrfProtection({ forwardErrors: true }));
    app.post('/act', (_req, res) => void res.send('done'));
    const seen: unknown[] = [];
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(error);
      res
        .status((error as CsrfError).status)
        .type('html')
        .send('<h1>custom</h1>');
    });
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const reply = await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/act`, { method: 'POST' });
      expect(reply.status).toBe(403);
      expect(reply.body).toBe('<h1>custom</h1>');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(CsrfError);
      expect((seen[0] as CsrfError).reason).toBe('no-cookie');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

/**
 * The shop app in-process on the embedded MemoryStore, driven with fetch: login regeneration, CSRF, logout,
 * revocation, the 404/403 pages, and that no raw session ID reaches the logs or the HTML.
 */

import { MemoryStore } from '@sessionkit/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { safeNext } from '../src/request.js';
import type { RunningShop } from '../src/server.js';
import { startShop } from '../src/server.js';
import { UserDirectory } from '../src/users.js';

/** A tiny cookie-keeping client. */
class Client {
  sid: string | undefined;
  constructor(readonly base: string) {}

  async request(
    path: string,
    init: { form?: Record<string, string> } = {},
  ): Promise<{ status: number; location: string | null; body: string; setCookie: string[] }> {
    const headers: Record<string, string> = {};
    if (this.sid !== undefined) headers.cookie = `sid=${this.sid}`;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(new URL(path, this.base), {
      method: init.form ? 'POST' : 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    const setCookie = response.headers.getSetCookie();
    for (const cookie of setCookie) {
      const m = /^sid=([^;]*)/.exec(cookie);
      if (m) this.sid = m[1] === '' ? undefined : m[1];
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: await response.text(),
      setCookie,
    };
  }

  async csrf(path = '/'): Promise<string> {
    const page = await this.request(path);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (!m) throw new Error(`no CSRF token on ${path}`);
    return m[1]!;
  }

  async login(username: string, password = username): Promise<void> {
    const _csrf = await this.csrf('/login');
    const res = await this.request('/login', { form: { _csrf, username, password, next: '/' } });
    expect(res.status).toBe(303);
  }
}

describe('shop app (memory store)', () => {
  let shop: RunningShop;
  const logged: string[] = [];

  beforeAll(async () => {
    for (const method of ['log', 'error', 'warn', 'info'] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void logged.push(args.map(String).join(' ')),
      );
    }
    shop = await startShop(loadConfig({ PORT: '0', INSTANCE_NAME: 'test-shop' }));
  });
  afterAll(async () => {
    await shop?.close();
    vi.restoreAllMocks();
  });

  it('serves pages with forms to cookieless visitors without storing anything', async () => {
    const store = shop.store as MemoryStore;
    expect(store).toBeInstanceOf(MemoryStore);
    const before = store.stats.entries;
    for (let i = 0; i < 50; i++) {
      const client = new Client(shop.url);
      const page = await client.request(i % 2 === 0 ? '/' : '/login');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
      // A browser-session cookie carrying the ID the form's token is bound to; no record behind it.
      expect(page.setCookie).toHaveLength(1);
      expect(page.setCookie[0]).toMatch(/^sid=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    }
    expect(store.stats.entries, 'records stored for 50 cookieless page views').toBe(before);
    const page = await new Client(shop.url).request('/');
    expect(page.body).toContain('data-instance="test-shop"');
    expect(page.body).toContain('SessionKit mug');
  });

  it("accepts an anonymous visitor's first form post with the token of its cookie", async () => {
    const client = new Client(shop.url);
    const _csrf = await client.csrf();
    const anonymous = client.sid;
    const add = await client.request('/cart/add', { form: { _csrf, product: 'mug' } });
    expect(add.status).toBe(303);
    expect(client.sid, 'the first write stores the session under a new ID').not.toBe(anonymous);
    expect((await client.request('/cart')).body).toContain('data-testid="qty-mug">1');
  });

  it('answers health checks without a session', async () => {
    const res = await fetch(new URL('/healthz', shop.url));
    expect(await res.json()).toEqual({ ok: true, instance: 'test-shop' });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a POST without the session CSRF token (403)', async () => {
    const client = new Client(shop.url);
    await client.csrf();
    const res = await client.request('/cart/add', { form: { product: 'mug', _csrf: 'forged' } });
    expect(res.status).toBe(403);
    const none = await new Client(shop.url).request('/cart/add', { form: { product: 'mug' } });
    expect(none.status).toBe(403);
  });

  it('regenerates the session at login (new ID, the old one dead) and keeps the cart', async () => {
    const client = new Client(shop.url);
    await client.request('/cart/add', { form: { _csrf: await client.csrf(), product: 'cap' } });
    const anonymous = client.sid!;
    const bad = await client.request('/login', {
      form: { _csrf: await client.csrf('/login'), username: 'alice', password: 'wrong' },
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toContain('Wrong username or password');
    await client.login('alice');
    expect(client.sid).not.toBe(anonymous);
    const cart = await client.request('/cart');
    expect(cart.body).toContain('data-testid="user">Alice');
    expect(cart.body).toContain('data-testid="qty-cap">1');
    // The pre-login ID no longer works.
    const old = new Client(shop.url);
    old.sid = anonymous;
    const oldPage = await old.request('/cart');
    expect(oldPage.body).not.toContain('data-testid="user"');
    expect(oldPage.body).toContain('data-testid="cart-empty"');
  });

  it('rotates the CSRF token at login', async () => {
    const client = new Client(shop.url);
    const before = await client.csrf('/login');
    await client.login('bob');
    const after = await client.csrf();
    expect(after).not.toBe(before);
    expect((await client.request('/cart/add', { form: { _csrf: before, product: 'mug' } })).status).toBe(403);
  });

  it('checks out: order placed, cart emptied; anonymous checkout goes to login', async () => {
    const anon = new Client(shop.url);
    await anon.request('/cart/add', { form: { _csrf: await anon.csrf(), product: 'mug' } });
    expect((await anon.request('/checkout', { form: { _csrf: await anon.csrf('/cart') } })).location).toBe(
      '/login?next=/cart',
    );

    const client = new Client(shop.url);
    await client.login('alice');
    const _csrf = await client.csrf();
    await client.request('/cart/add', { form: { _csrf, product: 'notebook' } });
    await client.request('/cart/change', { form: { _csrf, product: 'notebook', delta: '1' } });
    const done = await client.request('/checkout', { form: { _csrf } });
    expect(done.location).toBe('/orders/last');
    const order = await client.request('/orders/last');
    expect(order.body).toContain('data-testid="order-total">€18.00');
    expect(order.body).toContain('data-testid="cart-count">0');
  });

  it('lists, revokes one, and logs out everywhere else', async () => {
    const a = new Client(shop.url);
    const b = new Client(shop.url);
    const c = new Client(shop.url);
    for (const client of [a, b, c]) await client.login('bob');
    const _csrf = await c.csrf();
    let list = await c.request('/account/sessions');
    const keys = [...list.body.matchAll(/name="key" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    // Store keys (hashes) are on the page, never the raw IDs.
    for (const client of [a, b, c]) expect(list.body).not.toContain(client.sid!.split('.')[0]!);
    const revoked = await c.request('/account/sessions/revoke', { form: { _csrf, key: keys[0]! } });
    expect(revoked.location).toBe('/account/sessions');
    await c.request('/account/sessions/revoke-others', { form: { _csrf } });
    list = await c.request('/account/sessions');
    expect([...list.body.matchAll(/data-testid="session-row"/g)]).toHaveLength(1);
    for (const client of [a, b]) expect((await client.request('/cart')).body).not.toContain('data-testid="user"');
    expect((await c.request('/cart')).body).toContain('data-testid="user">Bob');
    // A foreign or malformed key revokes nothing.
    const junk = await c.request('/account/sessions/revoke', { form: { _csrf, key: 'x'.repeat(43) } });
    expect(junk.location).toBe('/account/sessions');
    expect((await c.request('/account/sessions')).body).toContain('already ended');
  });

  it('destroys the session at logout and clears the cookie', async () => {
    const client = new Client(shop.url);
    await client.login('alice');
    const sid = client.sid!;
    const _csrf = await client.csrf();
    const out = await client.request('/logout', { form: { _csrf } });
    expect(out.location).toBe('/');
    expect(out.setCookie.some((c) => /^sid=;/.test(c))).toBe(true);
    const replay = new Client(shop.url);
    replay.sid = sid;
    expect((await replay.request('/cart')).body).not.toContain('data-testid="user"');
  });

  it('shows 404 pages and never logs raw session IDs', async () => {
    const client = new Client(shop.url);
    await client.login('alice');
    expect((await client.request('/nope')).status).toBe(404);
    const raw = client.sid!.split('.')[0]!;
    expect(logged.join('\n')).not.toContain(raw);
  });
});

describe('users', () => {
  it('verifies scrypt hashes and refuses wrong or unknown credentials', async () => {
    const users = await UserDirectory.create([{ username: 'carol', password: 's3cret', displayName: 'Carol' }]);
    expect(await users.verify('carol', 's3cret')).toEqual({
      id: 'user:carol',
      username: 'carol',
      displayName: 'Carol',
    });
    expect(await users.verify('carol', 'S3cret')).toBeNull();
    expect(await users.verify('mallory', 's3cret')).toBeNull();
    expect(users.byId('user:carol')?.displayName).toBe('Carol');
    expect(users.byId(undefined)).toBeNull();
  });
});

describe('safeNext', () => {
  it.each([
    ['/cart', '/cart'],
    ['/account/sessions?x=1', '/account/sessions?x=1'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    [undefined, '/'],
    [['/a'], '/'],
  ])('%s -> %s', (value, expected) => {
    expect(safeNext(value)).toBe(expected);
  });
});

/**
 * The same end-to-end scenarios over every binding: a real server on 127.0.0.1:0 and real fetch calls.
 */

import type { CountingStore } from '@sessionkit/conformance';
import { countingStore } from '@sessionkit/conformance';
import { hashSessionId, ManualClock, MemoryStore, SessionManager } from '@sessionkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionHttpOptions } from '../src/index.js';
import { createSigner } from '../src/index.js';
import type { Data, Harness } from './helpers.js';
import {
  BIG_BYTES,
  bindings,
  clearsCookie,
  cookiePair,
  flip,
  OLD_SECRET,
  SECRET,
  send,
  switchableStore,
} from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(bindings)('$name binding', (binding) => {
  let clock: ManualClock;
  let memory: MemoryStore;
  let counting: CountingStore;
  let store: ReturnType<typeof switchableStore>;
  let manager: SessionManager<Data>;
  let h: Harness;
  const open = async (extra: Partial<SessionHttpOptions<Data>> = {}): Promise<Harness> =>
    binding.start({ manager, secrets: [SECRET, OLD_SECRET], clock, ...extra });

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2030, 0, 1));
    memory = new MemoryStore({ clock });
    counting = countingStore(memory);
    store = switchableStore(counting);
    manager = new SessionManager<Data>({ store, clock, idleTimeout: 30 * MINUTE, absoluteTimeout: 2 * HOUR });
    h = await open();
  });
  afterEach(async () => {
    await h.close();
  });

  const login = async (user = 'alice'): Promise<string> => {
    const reply = await send(`${h.url}/login?user=${user}`, { method: 'POST' });
    expect(reply.status).toBe(200);
    return cookiePair(reply)!;
  };

  it('a request that never reads the session makes no store call and sets no cookie', async () => {
    const cookie = await login();
    counting.reset();
    const reply = await send(`${h.url}/noop`, { cookie });
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toEqual([]);
    expect(counting.calls()).toBe(0);
  });

  it('an anonymous read makes no store call and stores nothing', async () => {
    const reply = await send(`${h.url}/whoami`);
    expect(reply.body).toEqual({ user: null, data: null, degraded: false });
    expect(reply.setCookies).toEqual([]);
    expect(counting.calls()).toBe(0);
  });

  it('a first write stores the session once and sets an OWASP cookie that follows expiresAt', async () => {
    const reply = await send(`${h.url}/set?k=a&v=1`, { method: 'POST' });
    expect(reply.setCookies).toHaveLength(1);
    const line = reply.setCookies[0]!;
    expect(line).toMatch(/^__Host-sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; /);
    expect(line).toContain('; Max-Age=1800; ');
    expect(line).toContain(`; Expires=${new Date(clock.now() + 30 * MINUTE).toUTCString()}`);
    for (const attr of ['; Path=/', '; HttpOnly', '; Secure', '; SameSite=Lax']) expect(line).toContain(attr);
    expect(line).not.toContain('Domain=');
    expect(counting.counts.create).toBe(1);

    counting.reset();
    const read = await send(`${h.url}/whoami`, { cookie: cookiePair(reply) });
    expect(read.body.data).toEqual({ a: '1' });
    expect(read.setCookies).toEqual([]); // unchanged and touched recently: no write, no cookie
    expect(counting.counts).toMatchObject({ get: 1, create: 0, update: 0, touch: 0 });
  });

  it('an unchanged session is touched at most once per touchAfter, refreshing the cookie', async () => {
    const cookie = await login();
    clock.advance(10 * MINUTE);
    counting.reset();
    const touched = await send(`${h.url}/whoami`, { cookie });
    expect(counting.counts.touch).toBe(1);
    expect(touched.setCookies[0]).toContain('; Max-Age=1800;');
    const again = await send(`${h.url}/whoami`, { cookie });
    expect(counting.counts.touch).toBe(1);
    expect(again.setCookies).toEqual([]);
  });

  it('a change made after a plain read of an unchanged session is committed before the headers go out', async () => {
    const cookie = await login();
    counting.reset();
    const reply = await send(`${h.url}/read-then-set?k=a&v=2`, { cookie });
    expect(reply.status).toBe(200);
    expect(counting.counts).toMatchObject({ get: 1, update: 1 });
    // The cookie follows the deadline the commit moved: only there if the commit finished before the headers.
    expect(reply.setCookies).toHaveLength(1);
    expect(cookiePair(reply)).toBe(cookie);
    const unset = await send(`${h.url}/read-then-unset?k=name`, { cookie });
    expect(unset.setCookies).toHaveLength(1);
    const read = await send(`${h.url}/whoami`, { cookie });
    expect(read.body.data).toEqual({ a: '2' });
    expect(read.setCookies).toEqual([]);
  });

  it('login regenerates the ID and the old cookie is dead', async () => {
    const anon = cookiePair(await send(`${h.url}/set?k=cart&v=book`, { method: 'POST' }))!;
    const reply = await send(`${h.url}/login?user=alice`, { method: 'POST', cookie: anon });
    const fresh = cookiePair(reply)!;
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(anon);

    const withOld = await send(`${h.url}/whoami`, { cookie: anon });
    expect(withOld.body.user).toBeNull();
    expect(clearsCookie(withOld)).toBe(true);
    const withNew = await send(`${h.url}/whoami`, { cookie: fresh });
    expect(withNew.body).toMatchObject({ user: 'alice', data: { cart: 'book', name: 'alice' } });
  });

  it('logout kills the session server side and clears the cookie', async () => {
    const cookie = await login();
    const id = cookie.split('=')[1]!.split('.')[0]!;
    const reply = await send(`${h.url}/logout`, { method: 'POST', cookie });
    expect(reply.body).toEqual({ destroyed: true });
    expect(clearsCookie(reply)).toBe(true);
    expect(await memory.get(hashSessionId(id))).toBeNull();
    const replay = await send(`${h.url}/whoami`, { cookie });
    expect(replay.body.user).toBeNull();
  });

  it('tampered, truncated, appended-garbage, duplicated and foreign cookies get a fresh anonymous state with no store lookup', async () => {
    const cookie = await login();
    const value = cookie.slice('__Host-sid='.length);
    const [id, sig] = value.split('.') as [string, string];
    const foreign = createSigner('another-app-secret-0123456789-abcdef').sign(id);
    const forged = [
      `${flip(id, 5)}.${sig}`, // tampered ID
      `${id}.${flip(sig, 20)}`, // tampered signature
      `${id}.${sig.slice(0, -1)}`, // truncated
      value.slice(0, 43), // ID without signature
      `${value}x`, // appended garbage
      `${value}.${sig}`, // appended segment
      `"${value}"`, // quoted
      foreign, // signed by someone else
      `${id}.`, // empty signature
      '',
    ];
    for (const bad of forged) {
      counting.reset();
      const reply = await send(`${h.url}/whoami`, { cookie: `__Host-sid=${bad}` });
      expect(reply.status, bad).toBe(200);
      expect(reply.body.user, bad).toBeNull();
      expect(counting.calls(), bad).toBe(0);
      expect(clearsCookie(reply), bad).toBe(true);
    }
    counting.reset();
    const duplicated = await send(`${h.url}/whoami`, { cookie: `__Host-sid=${value}; __Host-sid=${value}` });
    expect(duplicated.body.user).toBeNull();
    expect(counting.calls()).toBe(0);

    // A write with a forged cookie never adopts the presented ID: a new one is minted.
    const write = await send(`${h.url}/set?k=a&v=1`, { method: 'POST', cookie: `__Host-sid=${flip(id, 5)}.${sig}` });
    const minted = cookiePair(write)!;
    expect(minted).toBeDefined();
    expect(minted.includes(flip(id, 5))).toBe(false);
    // The genuine cookie still works.
    expect((await send(`${h.url}/whoami`, { cookie })).body.user).toBe('alice');
  });

  it('two concurrent requests changing different keys both persist', async () => {
    const cookie = await login();
    const conflicts: number[] = [];
    manager.on('conflict', ({ attempt }) => conflicts.push(attempt));
    const [a, b] = await Promise.all([
      send(`${h.url}/slow-set?k=x&v=1&barrier=${binding.name}&parties=2`, { method: 'POST', cookie }),
      send(`${h.url}/slow-set?k=y&v=2&barrier=${binding.name}&parties=2`, { method: 'POST', cookie }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(conflicts.length, 'the second commit was merged over the first').toBeGreaterThan(0);
    const read = await send(`${h.url}/whoami`, { cookie });
    expect(read.body.data).toMatchObject({ x: '1', y: '2', name: 'alice' });
  });

  it('concurrent read-then-writes: the stale ones answer 409 (JSON or text by Accept) and none is lost', async () => {
    const cookie = await login();
    const parties = 6;
    const replies = await Promise.all(
      Array.from({ length: parties }, (_, i) =>
        send(`${h.url}/naive-increment?barrier=naive-${binding.name}&parties=${parties}`, {
          method: 'POST',
          cookie,
          headers: { accept: i % 2 === 0 ? 'application/json' : 'text/html,*/*;q=0.8' },
        }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(
      statuses.filter((status) => status !== 200 && status !== 409),
      'only 200 or 409',
    ).toEqual([]);
    // All loaded the same version before any wrote: exactly one write can be based on a fresh read.
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    for (const [i, reply] of replies.entries()) {
      if (reply.status !== 409) continue;
      expect(reply.headers.get('cache-control')).toBe('no-store');
      if (i % 2 === 0) {
        expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
        expect(reply.body.error.code).toBe('SESSION_CONFLICT');
      } else {
        expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(reply.body).toMatch(/changed by another request/);
      }
      expect(reply.setCookies, 'a failed commit issues no cookie').toEqual([]);
    }
    const read = await send(`${h.url}/whoami`, { cookie });
    expect(read.body.data.n, 'the final value counts exactly the acknowledged increments').toBe(1);
  });

  it('concurrent Session.update increments all answer 200 and all persist', async () => {
    const cookie = await login();
    const parties = 10;
    const replies = await Promise.all(
      Array.from({ length: parties }, () =>
        send(`${h.url}/increment?barrier=inc-${binding.name}&parties=${parties}`, { method: 'POST', cookie }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array.from({ length: parties }, () => 200));
    expect((await send(`${h.url}/whoami`, { cookie })).body.data.n).toBe(parties);
  });

  it('a commit that keeps losing to other writers until the deadline answers 503 with Retry-After: 1', async () => {
    const cookie = await login();
    const beaten = { ...store, update: async () => false } as typeof store;
    const busy = new SessionManager<Data>({
      store: beaten,
      clock,
      idleTimeout: 30 * MINUTE,
      absoluteTimeout: 2 * HOUR,
      retry: { timeoutMs: 30, baseDelayMs: 1, maxDelayMs: 4 },
    });
    const heard: unknown[] = [];
    const other = await binding.start({
      manager: busy,
      secrets: [SECRET],
      clock,
      onError: (error) => heard.push(error),
    });
    try {
      const reply = await send(`${other.url}/set?k=a&v=1`, {
        method: 'POST',
        cookie,
        headers: { accept: 'application/json' },
      });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(reply.body).toEqual({ error: { code: 'SESSION_BUSY', message: expect.stringMatching(/try again/) } });
      expect(heard, 'onError hears the commit failure it answered').toEqual([
        expect.objectContaining({ code: 'SESSION_BUSY' }),
      ]);
      expect((await send(`${h.url}/whoami`, { cookie })).body.data.a, 'nothing was written').toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('the absolute timeout logs out even an active user', async () => {
    const cookie = await login();
    for (let elapsed = 0; elapsed < 2 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      const reply = await send(`${h.url}/set?k=n&v=${elapsed}`, { method: 'POST', cookie });
      expect(reply.status).toBe(200);
      expect((await send(`${h.url}/whoami`, { cookie })).body.user).toBe('alice');
    }
    // The cookie never outlives the absolute deadline.
    clock.advance(10 * MINUTE); // 1h50 since login
    const late = await send(`${h.url}/set?k=late&v=1`, { method: 'POST', cookie });
    expect(late.setCookies[0]).toContain('; Max-Age=600;');
    clock.advance(10 * MINUTE); // 2h: absolute deadline
    const after = await send(`${h.url}/whoami`, { cookie });
    expect(after.body.user).toBeNull();
    expect(clearsCookie(after)).toBe(true);
  });

  it('a store outage answers 503, issues no cookie and stores nothing', async () => {
    const cookie = await login();
    store.down = true;
    const read = await send(`${h.url}/whoami`, { cookie });
    expect(read.status).toBe(503);
    expect(read.setCookies).toEqual([]);
    const write = await send(`${h.url}/set?k=a&v=1`, { method: 'POST' });
    expect(write.status).toBe(503);
    expect(write.setCookies).toEqual([]);
    const loginDuringOutage = await send(`${h.url}/login?user=bob`, { method: 'POST' });
    expect(loginDuringOutage.status).toBe(503);
    expect(loginDuringOutage.setCookies).toEqual([]);
    // Routes that never touch the session keep working.
    expect((await send(`${h.url}/noop`, { cookie })).status).toBe(200);
    store.down = false;
    expect((await send(`${h.url}/whoami`, { cookie })).body.user).toBe('alice');
  });

  it("the 'anonymous' outage policy degrades reads without minting sessions", async () => {
    await h.close();
    h = await open({ onStoreError: () => 'anonymous' });
    const cookie = await login();
    store.down = true;
    const read = await send(`${h.url}/whoami`, { cookie });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ user: null, data: null, degraded: true });
    expect(read.setCookies).toEqual([]); // the cookie is not cleared either
    const write = await send(`${h.url}/set?k=a&v=1`, { method: 'POST' });
    expect(write.setCookies).toEqual([]);
    expect((await send(`${h.url}/logout`, { method: 'POST', cookie })).status).toBe(503);
    store.down = false;
    expect((await send(`${h.url}/whoami`, { cookie })).body.user).toBe('alice');
  });

  it('lists the user sessions and logs out the other devices', async () => {
    const laptop = await login('alice');
    const phone = await login('alice');
    const other = await login('bob');
    const list = await send(`${h.url}/sessions`, { cookie: phone });
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const out = await send(`${h.url}/logout-others`, { method: 'POST', cookie: phone });
    expect(out.body).toEqual({ count: 1 });
    expect((await send(`${h.url}/whoami`, { cookie: laptop })).body.user).toBeNull();
    expect((await send(`${h.url}/whoami`, { cookie: phone })).body.user).toBe('alice');
    expect((await send(`${h.url}/whoami`, { cookie: other })).body.user).toBe('bob');
    const everywhere = await send(`${h.url}/logout-everywhere`, { method: 'POST', cookie: phone });
    expect(everywhere.body).toEqual({ count: 1 });
    expect(clearsCookie(everywhere)).toBe(true);
    expect((await send(`${h.url}/whoami`, { cookie: phone })).body.user).toBeNull();
  });

  it('a streamed response still carries the Set-Cookie (commit happens before the headers)', async () => {
    const reply = await send(`${h.url}/stream`);
    expect(reply.body).toBe('ab');
    const cookie = cookiePair(reply);
    expect(cookie).toBeDefined();
    expect((await send(`${h.url}/whoami`, { cookie })).body.data).toEqual({ streamed: true });
  });

  it('a large piped stream waits for the commit (backpressure) and arrives whole', async () => {
    const response = await fetch(`${h.url}/big`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(BIG_BYTES);
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    expect(cookie).toMatch(/^__Host-sid=/);
    expect((await send(`${h.url}/whoami`, { cookie })).body.data).toEqual({ big: true });
  });

  it('a cookie signed with an older secret is accepted and re-issued with the current one', async () => {
    await h.close();
    h = await open({ secrets: [OLD_SECRET] });
    const old = await login();
    await h.close();
    h = await open({ secrets: [SECRET, OLD_SECRET] });
    const reply = await send(`${h.url}/whoami`, { cookie: old });
    expect(reply.body.user).toBe('alice');
    const reissued = cookiePair(reply)!;
    expect(reissued.split('.')[0]).toBe(old.split('.')[0]); // same ID
    expect(reissued).not.toBe(old); // new signature
    await h.close();
    h = await open({ secrets: [SECRET] });
    expect((await send(`${h.url}/whoami`, { cookie: reissued })).body.user).toBe('alice');
    expect((await send(`${h.url}/whoami`, { cookie: old })).body.user).toBeNull();
  });

  it('the header transport carries the same signed token for API clients', async () => {
    await h.close();
    h = await open({ header: true });
    const login = await send(`${h.url}/login?user=carol`, { method: 'POST', headers: { authorization: 'Session' } });
    expect(login.setCookies).toEqual([]);
    const token = login.headers.get('session-token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    const me = await send(`${h.url}/whoami`, { headers: { authorization: `Session ${token}` } });
    expect(me.body.user).toBe('carol');
    counting.reset();
    const bearer = await send(`${h.url}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.body.user).toBeNull(); // another scheme is not ours
    const forged = await send(`${h.url}/whoami`, {
      headers: { authorization: `Session ${flip(token, token.length - 1)}` },
    });
    expect(forged.body.user).toBeNull();
    expect(counting.calls()).toBe(0);
    // The token never travels in the URL.
    const inUrl = await send(`${h.url}/whoami?sid=${encodeURIComponent(token)}`);
    expect(inUrl.body.user).toBeNull();
  });
});

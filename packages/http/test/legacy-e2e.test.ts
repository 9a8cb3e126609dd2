/**
 * Adopting express-session sessions, end to end with the real packages, for each legacy store of
 * `legacy-backends.ts` (connect-redis on the real Redis, connect-memcached on the real memcached): an Express +
 * express-session app (`fixtures/legacy-app.ts`, its own process) logs users in and fills carts through cookie
 * jars; that process is stopped and replaced by three processes of the same shop on SessionKit's
 * `sessionMiddleware` with `legacy`, on the real Redis; the same jars are then served by them.
 */

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionStore } from '@sessionkit/core';
import { openTestStore } from '@sessionkit/test-stores';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildApp } from './child-app.js';
import { startChildApp, stopChildApp } from './child-app.js';
import type { OpenLegacyStore } from './legacy-backends.js';
import { legacyBackends, legacyGet } from './legacy-backends.js';

const require = createRequire(import.meta.url);
const { sign } = require('cookie-signature') as { sign(value: string, secret: string): string };

const FIXTURE = './fixtures/legacy-app.ts';
const LEGACY_NAME = 'connect.sid';
/** Each parallel first request reads the legacy record this long before going on, so they all race the claim. */
const LEGACY_DELAY_MS = 100;
const PARALLEL = 12;

/** A cookie jar of one browser: name → value, updated from each response's Set-Cookie. */
class Jar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  take(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/;\s*max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }

  /** The legacy session's sid, from the signed cookie value. */
  sid(): string {
    const value = decodeURIComponent(this.cookies.get(LEGACY_NAME)!);
    return value.slice(2, value.lastIndexOf('.'));
  }
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of any shape, read field by field in assertions
  body: any;
  setCookies: string[];
}

async function call(
  app: ChildApp,
  path: string,
  options: { method?: string; cookie?: string; jar?: Jar } = {},
): Promise<Answer> {
  const cookie = options.cookie ?? options.jar?.header();
  const response = await fetch(`${app.url}${path}`, {
    method: options.method ?? 'GET',
    headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) },
  });
  const text = await response.text();
  const answer = {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    setCookies: response.headers.getSetCookie(),
  };
  options.jar?.take(answer.setCookies);
  return answer;
}

const skCookie = (answer: Answer) => answer.setCookies.find((c) => c.startsWith('sk='))?.split(';')[0];
const expiresLegacy = (answer: Answer) =>
  answer.setCookies.some((c) => c.startsWith(`${LEGACY_NAME}=;`) && /max-age=0/i.test(c));

describe.each(legacyBackends)(
  '$name: an express-session app replaced by sessionMiddleware with `legacy`',
  (backend) => {
    const legacyPrefix = `test:legacy:${randomBytes(4).toString('hex')}:sess:`;
    const skPrefix = `test:legacy-sk:${randomBytes(4).toString('hex')}:`;
    const oldSecret = randomBytes(24).toString('base64');
    const env = {
      LEGACY: backend.name,
      LEGACY_PREFIX: legacyPrefix,
      SK_PREFIX: skPrefix,
      OLD_SECRET: oldSecret,
      SECRET: randomBytes(32).toString('base64url'),
      LEGACY_DELAY_MS: String(LEGACY_DELAY_MS),
    };
    const jars: Record<string, Jar> = {};
    const carts: Record<string, number[]> = {};
    let shortLoginAt = 0;
    let apps: ChildApp[] = [];
    let legacy: OpenLegacyStore;
    let sk: SessionStore;

    beforeAll(async () => {
      legacy = await backend.open(legacyPrefix);
      sk = await openTestStore('redis', { prefix: skPrefix });
      // The old app: users log in and fill carts; a visitor only counts views; one login expires in 1.5 s.
      const old = await startChildApp(FIXTURE, { ...env, MODE: 'express-session' });
      try {
        for (const [index, user] of ['alice', 'bob', 'carol', 'dave', 'p1', 'p2', 'p3'].entries()) {
          const jar = (jars[user] = new Jar());
          expect((await call(old, `/login?user=${user}`, { method: 'POST', jar })).status).toBe(200);
          carts[user] = [100 * index + 1, 100 * index + 2];
          for (const item of carts[user]!) await call(old, `/cart/add?item=${item}`, { method: 'POST', jar });
          expect((await call(old, '/me', { jar })).body).toEqual({ user, cart: carts[user], views: null });
        }
        jars.visitor = new Jar();
        await call(old, '/visit', { method: 'POST', jar: jars.visitor });
        jars.short = new Jar();
        shortLoginAt = Date.now();
        await call(old, '/login?user=short&maxAge=1500', { method: 'POST', jar: jars.short });
        for (const jar of Object.values(jars)) expect(jar.cookies.has(LEGACY_NAME)).toBe(true);
      } finally {
        await stopChildApp(old);
      }
      // The process is replaced: three processes of the SessionKit build on the same stores.
      const started = await Promise.allSettled(
        [0, 1, 2].map(() => startChildApp(FIXTURE, { ...env, MODE: 'sessionkit' })),
      );
      apps = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }, 120_000);

    afterAll(async () => {
      await Promise.all(apps.map(stopChildApp));
      await legacy?.close();
      await sk?.close();
    }, 60_000);

    it('the same cookie jars are still logged in with the same carts, now under SessionKit cookies; the legacy cookie is expired and its record gone', async () => {
      for (const user of ['alice', 'bob', 'carol']) {
        const jar = jars[user]!;
        const sid = jar.sid();
        expect(await legacyGet(legacy.store, sid), 'the legacy record before').not.toBeNull();
        const first = await call(apps[0]!, '/me', { jar });
        expect(first.status).toBe(200);
        expect(first.body).toEqual({ user, cart: carts[user], views: null });
        expect(skCookie(first), 'the SessionKit cookie is set').toBeDefined();
        expect(expiresLegacy(first), 'the legacy cookie is expired').toBe(true);
        expect([...jar.cookies.keys()], 'the jar holds only the SessionKit cookie').toEqual(['sk']);
        expect(await legacyGet(legacy.store, sid), 'the legacy record is gone').toBeNull();
        // Any process, with the SessionKit cookie alone.
        for (const app of apps)
          expect((await call(app, '/me', { jar })).body).toEqual({ user, cart: carts[user], views: null });
        const owned = await sk.listByUser(user);
        expect(owned, 'one SessionKit session, in the user index from the first request').toHaveLength(1);
      }
    });

    it('a legacy session without an owner is adopted as an anonymous session with its data', async () => {
      const jar = jars.visitor!;
      const answer = await call(apps[1]!, '/me', { jar });
      expect(answer.body).toEqual({ user: null, cart: null, views: 1 });
      expect(skCookie(answer)).toBeDefined();
      expect(expiresLegacy(answer)).toBe(true);
    });

    it('a tampered or foreign-secret legacy cookie causes no lookup (the genuine one still adopts)', async () => {
      const jar = jars.dave!;
      const genuine = jar.cookies.get(LEGACY_NAME)!;
      const signed = decodeURIComponent(genuine);
      const sid = jar.sid();
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const forged = [
        encodeURIComponent(flip(signed, signed.length - 5)), // signature changed
        encodeURIComponent(flip(signed, 4)), // sid changed
        encodeURIComponent(`s:${sign(sid, 'a-secret-of-another-app-0123456789')}`), // foreign secret
        encodeURIComponent(signed.slice(0, -1)), // truncated
        sid, // unsigned
      ];
      for (const [index, app] of apps.entries()) {
        const before = (await call(app, '/legacy-gets')).body.gets;
        for (const value of forged) {
          const answer = await call(app, '/me', { cookie: `${LEGACY_NAME}=${value}` });
          expect(answer.body, `forged cookie ${value} on process ${index}`).toEqual({
            user: null,
            cart: null,
            views: null,
          });
          expect(answer.setCookies, 'nothing set, nothing cleared').toEqual([]);
        }
        expect((await call(app, '/legacy-gets')).body.gets, 'legacy lookups').toBe(before);
      }
      expect(await legacyGet(legacy.store, sid), 'the record is untouched').not.toBeNull();
      expect((await call(apps[2]!, '/me', { jar })).body).toEqual({ user: 'dave', cart: carts.dave, views: null });
    });

    it('an expired legacy record gives an anonymous session (and the legacy cookie is expired)', async () => {
      await sleep(Math.max(0, shortLoginAt + 2500 - Date.now()));
      const jar = jars.short!;
      const answer = await call(apps[0]!, '/me', { jar });
      expect(answer.body).toEqual({ user: null, cart: null, views: null });
      expect(skCookie(answer), 'no SessionKit session is started').toBeUndefined();
      expect(expiresLegacy(answer)).toBe(true);
      expect(await sk.listByUser('short')).toEqual([]);
    });

    it(`${PARALLEL} parallel first requests of one user on 3 processes (reads and cart adds): one surviving session, the same cookie on every answer, the cart intact`, async () => {
      for (const user of ['p1', 'p2', 'p3']) {
        const jar = jars[user]!;
        const sid = jar.sid();
        const cookie = jar.header();
        const gets = async () =>
          (await Promise.all(apps.map(async (app) => (await call(app, '/legacy-gets')).body.gets))).reduce(
            (a, b) => a + b,
          );
        const getsBefore = await gets();
        const item = (i: number) => 1000 * Number(user.slice(1)) + i;
        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            i % 2 === 0
              ? call(apps[i % apps.length]!, '/me', { cookie })
              : call(apps[i % apps.length]!, `/cart/add?item=${item(i)}`, { method: 'POST', cookie }),
          ),
        );
        expect(
          answers.map((a) => a.status),
          'every request answered 200',
        ).toEqual(answers.map(() => 200));
        expect((await gets()) - getsBefore, 'every request read the legacy record: they all raced for it').toBe(
          PARALLEL,
        );
        const cookies = new Set(answers.map(skCookie));
        expect(cookies.size, 'every answer carries the same SessionKit cookie').toBe(1);
        expect([...cookies][0]).toBeDefined();
        for (const answer of answers) expect(expiresLegacy(answer)).toBe(true);
        for (const [i, answer] of answers.entries()) if (i % 2 === 0) expect(answer.body.user).toBe(user);
        expect(await sk.listByUser(user), 'exactly one SessionKit session survives').toHaveLength(1);
        expect(await legacyGet(legacy.store, sid), 'the legacy record is gone').toBeNull();
        const added = answers.flatMap((_, i) => (i % 2 === 1 ? [item(i)] : []));
        const me = await call(apps[0]!, '/me', { cookie: [...cookies][0]! });
        expect(me.body.user).toBe(user);
        const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
        expect(sorted(me.body.cart), 'the legacy cart and every acknowledged add').toEqual(
          sorted([...carts[user]!, ...added]),
        );
      }
    });
  },
);

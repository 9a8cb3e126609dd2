/**
 * Three shop instances (separate Node processes) on one shared store, one signed-in shopper, and 108 "Add to
 * cart" posts fired at once, spread over the instances: a double click, several tabs and a retrying phone at
 * the same time. Every add the shop acknowledged (303) must be in the cart, and no answer may be >= 500.
 * Runs on every shared backend the shop can use.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS } from '../src/catalog.js';
import type { ShopInstance } from '../src/cluster/index.js';
import { startInstance } from '../src/cluster/instance.js';
import { freePort } from '../src/cluster/ports.js';
import { MAX_QUANTITY } from '../src/shop-session.js';
import { csrfToken, formPost, STORE_URLS, sessionCookie } from './helpers.js';

/** 18 of each of the 6 products: every add stays under the quantity cap, so every acknowledged add counts. */
const ADDS_PER_PRODUCT = 18;

const csrfOf = (page: string): string => {
  const token = csrfToken(page);
  if (!token) throw new Error('no anti-CSRF token on the page');
  return token;
};

/** Signs in as alice through `base` like a browser would; resolves the session cookie and the form token. */
async function signIn(base: string): Promise<{ cookie: string; csrf: string }> {
  const loginPage = await fetch(`${base}/login`);
  const anonymous = sessionCookie(loginPage)!;
  const token = csrfOf(await loginPage.text());
  const login = await fetch(
    `${base}/login`,
    formPost({ username: 'alice', password: 'alice', _csrf: token }, anonymous),
  );
  expect(login.status).toBe(303);
  const cookie = sessionCookie(login)!;
  const home = await fetch(`${base}/`, { headers: { cookie } });
  return { cookie, csrf: csrfOf(await home.text()) };
}

/** The quantities on the cart page. */
async function cartOn(base: string, cookie: string): Promise<Record<string, number>> {
  const page = await (await fetch(`${base}/cart`, { headers: { cookie } })).text();
  return Object.fromEntries([...page.matchAll(/data-testid="qty-([a-z]+)">(\d+)</g)].map((m) => [m[1]!, Number(m[2])]));
}

describe.each(STORE_URLS.filter(([name]) => name !== 'memory'))(
  'shop on %s: 3 instances, one shopper',
  (_name, store) => {
    let instances: ShopInstance[] = [];

    beforeAll(async () => {
      const secret = randomBytes(32).toString('base64url');
      const started = await Promise.allSettled(
        ['a', 'b', 'c'].map(async (name) =>
          startInstance({ name: `shop-${name}`, port: await freePort(), store, secret }),
        ),
      );
      instances = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }, 180_000);

    afterAll(async () => {
      await Promise.all(instances.map((i) => i.kill('SIGTERM')));
    }, 60_000);

    it(`${ADDS_PER_PRODUCT * PRODUCTS.length} concurrent adds over 3 instances: every acknowledged add is in the cart, no 5xx`, async () => {
      expect(ADDS_PER_PRODUCT).toBeLessThan(MAX_QUANTITY);
      const { cookie, csrf } = await signIn(instances[0]!.url);
      const adds = PRODUCTS.flatMap((product) => Array.from({ length: ADDS_PER_PRODUCT }, () => product.id));
      const statuses = await Promise.all(
        adds.map(async (product, i) => {
          const response = await fetch(
            `${instances[i % instances.length]!.url}/cart/add`,
            formPost({ product, _csrf: csrf }, cookie),
          );
          await response.arrayBuffer();
          return response.status;
        }),
      );
      expect(
        statuses.filter((s) => s >= 500),
        'answers >= 500',
      ).toEqual([]);
      expect(
        statuses.filter((s) => s !== 303),
        'answers other than the redirect to the cart',
      ).toEqual([]);
      const expected = Object.fromEntries(PRODUCTS.map((p) => [p.id, ADDS_PER_PRODUCT]));
      // Every instance shows the same cart holding every acknowledged add.
      for (const instance of instances)
        expect(await cartOn(instance.url, cookie), `cart on ${instance.name}`).toEqual(expected);
    });
  },
);

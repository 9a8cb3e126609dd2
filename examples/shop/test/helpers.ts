/**
 * Browser steps the shop tests share.
 */

import { endpoints } from '@sessionkit/test-servers';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The Redis the services start (127.0.0.1:16379 unless SESSIONKIT_REDIS_URL says otherwise). */
export const REDIS_STORE = endpoints.redis.url;

const hostList = (entries: readonly string[]) => entries.join(',');
const redis = endpoints.redis.url.replace(/\/$/, '');
const cassandra = `cassandra://${hostList(endpoints.cassandra.contactPoints)}/sessionkit_shop?dc=${endpoints.cassandra.localDataCenter}`;

/** Every `SESSIONKIT_STORE` form the docs show, on the real test servers: `[name, url]`. */
export const STORE_URLS: Array<[name: string, url: string]> = [
  ['memory', 'memory'],
  ['redis', redis],
  ['redis-cluster', `redis+cluster://${endpoints.redisCluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`],
  ['memcached', `memcached://${hostList(endpoints.memcached.servers)}`],
  ['dynamodb', `dynamodb://${new URL(endpoints.dynamodb.endpoint).host}/sessionkit_shop`],
  ['hazelcast', `hazelcast://${hostList(endpoints.hazelcast.members)}/${endpoints.hazelcast.clusterName}`],
  ['cassandra', cassandra],
  ['tiered', `tiered:${redis}|${cassandra}`],
];

/** Signs in through the login form and waits for the signed-in page. */
export async function login(page: Page, baseUrl: string, username: string, password = username): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('[data-testid=login-submit]')]);
  expect(await signedInAs(page)).not.toBeNull();
}

/** The display name in the header, or `null` when signed out. */
export async function signedInAs(page: Page): Promise<string | null> {
  const user = page.locator('[data-testid=user]');
  return (await user.count()) > 0 ? user.textContent() : null;
}

/** The instance that served the current page (the `INSTANCE_NAME` shown in the header). */
export async function servedBy(page: Page): Promise<string> {
  const name = await page.locator('[data-testid=instance]').getAttribute('data-instance');
  if (!name) throw new Error('the page does not show its instance');
  return name;
}

/** Clicks "Add to cart" for a product on the products page (lands on the cart). */
export async function addToCart(page: Page, baseUrl: string, productId: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await Promise.all([page.waitForURL(`${baseUrl}/cart`), page.click(`[data-testid=add-${productId}]`)]);
}

/** Quantities by product id and the total shown on the cart page. */
export async function cartState(page: Page): Promise<{ quantities: Record<string, number>; total: string | null }> {
  const quantities: Record<string, number> = {};
  for (const q of await page.locator('[data-testid^=qty-]').all()) {
    const id = (await q.getAttribute('data-testid'))!.slice('qty-'.length);
    quantities[id] = Number(await q.textContent());
  }
  const total = page.locator('[data-testid=cart-total]');
  return { quantities, total: (await total.count()) > 0 ? await total.textContent() : null };
}

/** The anti-CSRF token of a page's forms, if it has one. */
export const csrfToken = (page: string): string | undefined => /name="_csrf" value="([^"]+)"/.exec(page)?.[1];

/** The `sid=...` pair of the session cookie a response sets, if it sets one. */
export const sessionCookie = (response: Response): string | undefined =>
  response.headers
    .getSetCookie()
    .find((c) => c.startsWith('sid='))
    ?.split(';')[0];

/** A `fetch` init posting `fields` as a form, with the session cookie if given; redirects are not followed. */
export const formPost = (fields: Record<string, string>, cookie?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual',
});

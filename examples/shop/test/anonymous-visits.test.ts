/**
 * Crawlers, bots and first-time visitors cost the store nothing: a page with forms renders its anti-CSRF token
 * from the ID in a fresh cookie, and nothing is written until the visitor writes something. Checked on Redis
 * with Redis's own tool (`redis-cli DBSIZE` on a database no other test uses).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopInstance } from '../src/cluster/index.js';
import { startInstance } from '../src/cluster/instance.js';
import { freePort } from '../src/cluster/ports.js';
import { REDIS_STORE } from './helpers.js';

/** A Redis database of its own, so the count sees only this test's keys. */
const DB = 7;
const VIEWS = 100;
const redis = new URL(REDIS_STORE);
const redisCli = (...args: string[]): string =>
  execFileSync('redis-cli', ['-h', redis.hostname, '-p', redis.port || '6379', '-n', String(DB), ...args], {
    encoding: 'utf8',
  }).trim();

describe('cookieless page views on Redis', () => {
  let shop: ShopInstance;

  beforeAll(async () => {
    redisCli('FLUSHDB');
    const store = `${REDIS_STORE.replace(/\/\d*$/, '')}/${DB}`;
    shop = await startInstance({
      name: 'shop-anon',
      port: await freePort(),
      store,
      secret: randomBytes(32).toString('base64url'),
    });
  }, 120_000);

  afterAll(async () => {
    await shop?.kill('SIGTERM');
    redisCli('FLUSHDB');
  });

  it(`${VIEWS} page views with forms and no cookie leave 0 records; the first add to cart leaves 1`, async () => {
    let withForms = 0;
    for (let i = 0; i < VIEWS; i++) {
      const response = await fetch(`${shop.url}${i % 2 === 0 ? '/' : '/login'}`);
      const page = await response.text();
      expect(response.status).toBe(200);
      if (/name="_csrf" value="[A-Za-z0-9_-]{43}"/.test(page)) withForms++;
    }
    expect(withForms, 'every page carried a form token').toBe(VIEWS);
    expect(redisCli('DBSIZE'), 'keys in Redis after the cookieless views').toBe('0');

    // The same visitor posting a form does store its session: the CSRF token of the anonymous cookie works.
    const home = await fetch(`${shop.url}/`);
    const cookie = home.headers.getSetCookie()[0]!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await home.text())![1]!;
    const add = await fetch(`${shop.url}/cart/add`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ product: 'mug', _csrf: token }).toString(),
      redirect: 'manual',
    });
    expect(add.status).toBe(303);
    expect(Number(redisCli('DBSIZE')), 'keys after one add to cart').toBeGreaterThanOrEqual(1);
  });
});

/**
 * Issue 23's demo: the shop on Redis under load (signed-in shoppers over real HTTP) serves the documented
 * SessionKit series at `/metrics`, never a raw session ID in them, and the `/operator` page with its chart script
 * and data; the page of an instance with peers (`OPERATOR_PEERS`, as the cluster demo sets) shows theirs too.
 * `OPERATOR_ENDPOINTS=false` removes both routes.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { OperatorData } from '../src/operator/feed.js';
import type { Sample } from '../src/operator/prometheus-text.js';
import { parsePrometheusText } from '../src/operator/prometheus-text.js';
import type { RunningShop } from '../src/server.js';
import { startShop } from '../src/server.js';
import { csrfToken, formPost, REDIS_STORE, sessionCookie } from './helpers.js';
import { startShoppers } from './shopper-load.js';

const LOAD_MS = 4_000;

/** The sum of the samples named `name` whose labels include `labels`. */
function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Signs in as alice through the login form; returns the `sid=<id>.<signature>` cookie pair. */
async function signIn(base: string): Promise<string> {
  const loginPage = await fetch(`${base}/login`);
  const login = await fetch(
    `${base}/login`,
    formPost(
      { username: 'alice', password: 'alice', _csrf: csrfToken(await loginPage.text())! },
      sessionCookie(loginPage),
    ),
  );
  expect(login.status).toBe(303);
  return sessionCookie(login)!;
}

describe('shop /metrics and /operator on Redis under load', () => {
  let shop: RunningShop;
  let base: string;
  let samples: Sample[];
  let text: string;
  let rawId: string;

  beforeAll(async () => {
    shop = await startShop(loadConfig({ PORT: '0', INSTANCE_NAME: 'metrics-shop', SESSIONKIT_STORE: REDIS_STORE }));
    base = shop.url.replace(/\/$/, '');
    // A session of our own, so its raw ID can be looked for in the metrics.
    const cookie = await signIn(base);
    rawId = cookie.slice('sid='.length).split('.')[0]!;
    expect(rawId).toHaveLength(43);
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/cart`, { headers: { cookie } })).status).toBe(200);

    const load = startShoppers({ url: base, shoppers: 6, hangLimitMs: 10_000 });
    await load.signedIn();
    await sleep(LOAD_MS);
    await load.stop();
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    text = await response.text();
    samples = parsePrometheusText(text);
  });
  afterAll(async () => {
    await shop?.close();
  });

  it('counts store operations by backend, operation and outcome, with their durations', () => {
    const redisOk = { db_system: 'redis', sessionkit_outcome: 'ok' };
    const count = 'sessionkit_store_operation_duration_count';
    const operations = new Set(
      samples.filter((s) => s.name === count && s.value > 0).map((s) => s.labels.db_operation_name),
    );
    expect(total(samples, count, { ...redisOk, db_operation_name: 'get' })).toBeGreaterThan(0);
    expect(total(samples, count, { ...redisOk, db_operation_name: 'update' })).toBeGreaterThan(0);
    expect([...operations].length).toBeGreaterThanOrEqual(2);
    const sum = total(samples, 'sessionkit_store_operation_duration_sum', redisOk);
    const allCount = total(samples, count, redisOk);
    // Mean duration in seconds: positive, and well under the store's deadline.
    expect(sum / allCount).toBeGreaterThan(0);
    expect(sum / allCount).toBeLessThan(1);
    const inf = total(samples, 'sessionkit_store_operation_duration_bucket', { ...redisOk, le: '+Inf' });
    expect(inf).toBe(allCount);
  });

  it('counts HTTP outcomes, session lifecycle events and payload sizes', () => {
    expect(total(samples, 'sessionkit_http_requests_total', { sessionkit_http_outcome: 'loaded' })).toBeGreaterThan(0);
    expect(total(samples, 'sessionkit_session_lifecycle_total', { sessionkit_event: 'created' })).toBeGreaterThan(0);
    expect(total(samples, 'sessionkit_store_payload_size_count')).toBeGreaterThan(0);
    expect(total(samples, 'sessionkit_store_payload_size_sum')).toBeGreaterThan(0);
  });

  it('never shows a raw session ID', () => {
    expect(text).not.toContain(rawId);
  });

  it('serves the operator page with its chart script, and its data from this instance', async () => {
    const page = await fetch(`${base}/operator`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/operator.js" defer></script>');
    for (const chart of ['p50', 'p99', 'hit', 'conflicts', 'unavailable', 'requests'])
      expect(html).toContain(`data-chart="${chart}"`);
    const script = await fetch(`${base}/operator.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain("fetch('/operator/data'");

    // Two scrapes with store traffic between them make one point.
    await fetch(`${base}/operator/data`);
    await sleep(1_100);
    const cookie = await signIn(base);
    await fetch(`${base}/cart`, { headers: { cookie } });
    const data = (await (await fetch(`${base}/operator/data`)).json()) as OperatorData;
    expect(data.instances.map((i) => i.name)).toEqual(['metrics-shop']);
    const [instance] = data.instances;
    expect(instance!.up).toBe(true);
    const point = instance!.points.at(-1)!;
    expect(point.p50Ms).toBeGreaterThan(0);
    expect(point.p99Ms).toBeGreaterThanOrEqual(point.p50Ms!);
    expect(point.requestsPerSec.loaded).toBeGreaterThan(0);
  });
});

describe('operator page of several instances', () => {
  it("shows each peer's figures, and a peer that does not answer as down", async () => {
    const peer = await startShop(loadConfig({ PORT: '0', INSTANCE_NAME: 'peer-shop' }));
    const gone = `http://127.0.0.1:${(peer.server.address() as AddressInfo).port + 1}`;
    const shop = await startShop(
      loadConfig({
        PORT: '0',
        INSTANCE_NAME: 'main-shop',
        OPERATOR_PEERS: `peer-shop=${peer.url},gone-shop=${gone}`,
      }),
    );
    try {
      expect(await (await fetch(`${shop.url}operator`)).text()).toContain('data-instance="gone-shop"');
      await fetch(`${shop.url}operator/data`);
      await sleep(1_100);
      await fetch(peer.url, { headers: { cookie: 'sid=forged.token' } });
      const data = (await (await fetch(`${shop.url}operator/data`)).json()) as OperatorData;
      const [main, other, down] = data.instances;
      expect(data.instances.map((i) => [i.name, i.up])).toEqual([
        ['main-shop', true],
        ['peer-shop', true],
        ['gone-shop', false],
      ]);
      expect(main!.points).toHaveLength(1);
      expect(other!.points.at(-1)!.requestsPerSec.rejected_token).toBeGreaterThan(0);
      expect(down!.error).toBeTruthy();
    } finally {
      await shop.close();
      await peer.close();
    }
  });
});

describe('operator settings', () => {
  it('are on by default, read OPERATOR_PEERS, and name the variable when malformed', () => {
    const config = loadConfig({ OPERATOR_PEERS: 'shop-2=http://127.0.0.1:3102/, shop-3=http://[::1]:3103' });
    expect(config.operatorEndpoints).toBe(true);
    expect(config.operatorPeers).toEqual([
      { name: 'shop-2', url: 'http://127.0.0.1:3102' },
      { name: 'shop-3', url: 'http://[::1]:3103' },
    ]);
    expect(loadConfig({}).operatorPeers).toEqual([]);
    expect(() => loadConfig({ OPERATOR_PEERS: 'shop-2' })).toThrow(/OPERATOR_PEERS/);
    expect(() => loadConfig({ OPERATOR_PEERS: 'shop-2=http://h:1/metrics' })).toThrow(/OPERATOR_PEERS/);
    expect(() => loadConfig({ OPERATOR_ENDPOINTS: 'yes' })).toThrow(/OPERATOR_ENDPOINTS/);
  });

  it('OPERATOR_ENDPOINTS=false serves neither /metrics nor /operator', async () => {
    const shop = await startShop(loadConfig({ PORT: '0', OPERATOR_ENDPOINTS: 'false' }));
    try {
      for (const path of ['metrics', 'operator', 'operator/data', 'operator.js'])
        expect((await fetch(`${shop.url}${path}`)).status).toBe(404);
    } finally {
      await shop.close();
    }
  });
});

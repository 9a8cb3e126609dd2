/**
 * Issue 11, browser test 1: three shop instances behind HAProxy on Redis. Log in, fill a cart, SIGKILL the
 * instance that served the cart page, and check out through another instance: still signed in, cart intact.
 * Runs with both load-balancer configs in lb/ (consistent hash on the session cookie, and sticky cookie).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../src/cluster/chromium.js';
import type { LbMode, RunningCluster } from '../src/cluster/index.js';
import { startCluster } from '../src/cluster/index.js';
import { addToCart, cartState, login, REDIS_STORE, servedBy, signedInAs } from './helpers.js';

describe.each<LbMode>(['hash', 'sticky'])('cluster behind HAProxy (%s config)', (mode) => {
  let cluster: RunningCluster;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // One at a time, so afterAll can clean up whatever did start.
    browser = await launchChromium();
    cluster = await startCluster({ mode, store: REDIS_STORE });
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('keeps the user signed in with the cart intact when the serving instance is killed', async () => {
    const base = cluster.url;
    await login(page, base, 'alice');
    await addToCart(page, base, 'mug');
    await addToCart(page, base, 'tshirt');
    await addToCart(page, base, 'tshirt');
    const before = await cartState(page);
    expect(before).toEqual({ quantities: { mug: 1, tshirt: 2 }, total: '€62.00' });

    // Both configs pin a session to one instance while it is up (cookie hash, or the affinity cookie).
    const victimName = await servedBy(page);
    for (let i = 0; i < 3; i++) {
      await page.goto(`${base}/cart`);
      expect(await servedBy(page)).toBe(victimName);
    }

    // Kill -9 the instance that served this cart page.
    const victim = cluster.instance(victimName);
    const pid = victim.pid;
    await victim.kill('SIGKILL');
    expect(victim.running).toBe(false);
    expect(victim.process.signalCode).toBe('SIGKILL');
    expect(() => process.kill(pid, 0)).toThrow(); // the process is gone

    // The next request reaches another instance: same user, same cart.
    await page.goto(`${base}/cart`);
    const survivor = await servedBy(page);
    expect(survivor).not.toBe(victimName);
    expect(await signedInAs(page)).toBe('Alice');
    expect(await cartState(page)).toEqual(before);

    // Checkout (a strong read of the session) through the load balancer.
    await Promise.all([page.waitForURL(`${base}/orders/last`), page.click('[data-testid=checkout]')]);
    expect(await page.locator('[data-testid=order-total]').textContent()).toBe('€62.00');
    expect(await servedBy(page)).not.toBe(victimName);
    expect(await signedInAs(page)).toBe('Alice');
    expect(await page.locator('[data-testid=cart-count]').textContent()).toBe('0');

    // Clean up: log out (destroys the session in Redis).
    await Promise.all([page.waitForURL(`${base}/`), page.click('header form[action="/logout"] button')]);
    expect(await signedInAs(page)).toBeNull();
  });
});

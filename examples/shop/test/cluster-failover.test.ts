/**
 * Issues 11 and 24, browser test 1: three shop instances on Redis behind a real load balancer, HAProxy and
 * nginx in turn, each with both generated configs (consistent hash on the session cookie, and affinity
 * cookie). Log in, fill a cart, SIGKILL the instance that served the cart page, and check out through another
 * instance: still signed in, cart intact.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../src/cluster/chromium.js';
import type { LbKind, LbMode, RunningCluster } from '../src/cluster/index.js';
import { startCluster } from '../src/cluster/index.js';
import { LB_KINDS, LB_MODES } from '../src/cluster/lb-config.js';
import { addToCart, cartState, login, REDIS_STORE, servedBy, signedInAs } from './helpers.js';

const SETUPS = LB_KINDS.flatMap((lb) => LB_MODES.map((mode) => ({ lb, mode })));

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
});

describe.each<{ lb: LbKind; mode: LbMode }>(SETUPS)('cluster behind $lb ($mode config)', ({ lb, mode }) => {
  let cluster: RunningCluster | undefined;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // One at a time, so afterAll can clean up whatever did start.
    cluster = await startCluster({ lb, mode, store: REDIS_STORE });
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    // Stops the balancer (SIGTERM, SIGKILL after 5 s) and the instances; the balancer must be gone after it.
    await cluster?.stop();
    if (cluster) {
      expect(cluster.lb.running).toBe(false);
      expect(() => process.kill(cluster!.lb.process.pid!, 0)).toThrow();
    }
  });

  it('keeps the user signed in with the cart intact when the serving instance is killed', async () => {
    const { url: base, lb: balancer } = cluster!;
    await login(page, base, 'alice');
    await addToCart(page, base, 'mug');
    await addToCart(page, base, 'tshirt');
    await addToCart(page, base, 'tshirt');
    const before = await cartState(page);
    expect(before).toEqual({ quantities: { mug: 1, tshirt: 2 }, total: '€62.00' });

    // The session cookie the app set is the one the generated config names.
    const cookies = (await context.cookies()).map((c) => c.name);
    expect(cookies).toContain(cluster!.cookieName);
    if (mode === 'sticky') expect(cookies).toContain('SHOPSRV');
    else if (lb === 'haproxy') expect(balancer.config.text).toContain(`req.cook(${cluster!.cookieName})`);
    else expect(balancer.config.text).toContain(`\\s*${cluster!.cookieName}=(?<shop_sid>`);

    // Both configs pin a session to one instance while it is up (cookie hash, or the affinity cookie).
    const victimName = await servedBy(page);
    for (let i = 0; i < 3; i++) {
      const response = await page.goto(`${base}/cart`);
      expect(await servedBy(page)).toBe(victimName);
      // The page really came through this balancer: nginx names itself in `Server`, HAProxy adds nothing.
      const server = response?.headers().server;
      if (lb === 'nginx') expect(server).toMatch(/^nginx/);
      else expect(server).toBeUndefined();
    }

    // Kill -9 the instance that served this cart page.
    const victim = cluster!.instance(victimName);
    const pid = victim.pid;
    await victim.kill('SIGKILL');
    expect(victim.running).toBe(false);
    expect(victim.process.signalCode).toBe('SIGKILL');
    expect(() => process.kill(pid, 0)).toThrow(); // the process is gone

    // The next request reaches another instance: same user, same cart.
    const after = await page.goto(`${base}/cart`);
    expect(after?.status()).toBe(200);
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

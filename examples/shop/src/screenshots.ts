#!/usr/bin/env node
/**
 * `npm run screenshots -w @sessionkit/example-shop`: starts the cluster (3 instances, HAProxy, Redis from the
 * services), signs in from three browsers with Chromium, and saves the pictures the docs embed:
 * docs/images/shop-products.png, docs/images/shop-cart.png, docs/images/active-sessions.png, and
 * docs/images/operator-page.png (the live charts of all three instances while each browser shops on one).
 * Needs the Debian packages `chromium` and `haproxy`, and Redis at 127.0.0.1:16379 (or SESSIONKIT_STORE).
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './cluster/chromium.js';
import { DEFAULT_CLUSTER_STORE, startCluster } from './cluster/index.js';

const OUT = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
const VIEWPORT = { width: 1100, height: 640 };
/** How long the browsers shop while the operator page collects figures (it keeps 3 minutes). */
const OPERATOR_LOAD_MS = 45_000;
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

async function signIn(page: Page, base: string, user: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#username', user);
  await page.fill('#password', user);
  await Promise.all([page.waitForURL(`${base}/`), page.click('[data-testid=login-submit]')]);
}

async function addToCart(page: Page, base: string, product: string): Promise<void> {
  await page.goto(`${base}/`);
  await Promise.all([page.waitForURL(`${base}/cart`), page.click(`[data-testid=add-${product}]`)]);
}

/**
 * Page views and cart adds from each page, one at a time per page, until `done()` says stop. Page `i` talks to
 * `bases[i]` (the cookie is per host, not per port, so its session works on every instance).
 */
async function shop(pages: Page[], bases: string[], done: () => boolean): Promise<void> {
  await Promise.all(
    pages.map(async (page, i) => {
      const base = bases[i]!;
      for (let i = 0; !done(); i++) {
        if (i % 5 === 4) await addToCart(page, base, 'stickers');
        else await page.goto(`${base}/cart`);
      }
    }),
  );
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const store = process.env.SESSIONKIT_STORE || DEFAULT_CLUSTER_STORE;
  const cluster = await startCluster({ store });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const desktop = await browser.newContext({ viewport: VIEWPORT, userAgent: CHROME_MAC });
    const laptop = await browser.newContext({ viewport: VIEWPORT, userAgent: FIREFOX_WINDOWS });
    const phone = await browser.newContext({ viewport: VIEWPORT, userAgent: SAFARI_IPHONE });
    const [a, b, c] = await Promise.all([desktop.newPage(), laptop.newPage(), phone.newPage()]);
    const base = cluster.url;

    // Start clean: end any of Alice's sessions left in the shared store.
    await signIn(a!, base, 'alice');
    await a!.goto(`${base}/account/sessions`);
    const others = a!.locator('[data-testid=revoke-others]');
    if ((await others.count()) > 0) await Promise.all([a!.waitForURL(`${base}/account/sessions`), others.click()]);

    await signIn(b!, base, 'alice');
    await signIn(c!, base, 'alice');
    await addToCart(a!, base, 'mug');
    await addToCart(a!, base, 'tshirt');
    await a!.goto(`${base}/`);
    await a!.screenshot({ path: `${OUT}shop-products.png` });
    await addToCart(a!, base, 'stickers');
    await a!.screenshot({ path: `${OUT}shop-cart.png` });
    await a!.goto(`${base}/account/sessions`);
    await a!.screenshot({ path: `${OUT}active-sessions.png` });

    // The operator page of one instance (it shows all three) while each browser shops on another instance.
    const operator = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    const instances = cluster.instances.map((i) => i.url);
    await operator.goto(`${instances[0]}/operator`);
    const until = Date.now() + OPERATOR_LOAD_MS;
    await shop([a!, b!, c!], instances, () => Date.now() > until);
    await operator.screenshot({ path: `${OUT}operator-page.png`, fullPage: true });
    await a!.goto(`${base}/account/sessions`);

    // Leave nothing behind.
    await Promise.all([a!.waitForURL(`${base}/account/sessions`), a!.click('[data-testid=revoke-others]')]);
    await Promise.all([a!.waitForURL(`${base}/`), a!.click('header form[action="/logout"] button')]);
    console.log(`screenshots saved to ${OUT}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

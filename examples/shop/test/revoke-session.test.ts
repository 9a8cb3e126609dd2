/**
 * Issue 11, browser test 2: Bob is signed in from two browsers (separate cookie jars) through HAProxy.
 * From the second one's "Active sessions" page he revokes the first; the first browser is signed out on its
 * next request, whichever instance serves it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../src/cluster/chromium.js';
import type { RunningCluster } from '../src/cluster/index.js';
import { startCluster } from '../src/cluster/index.js';
import { addToCart, login, REDIS_STORE, signedInAs } from './helpers.js';

describe('active sessions: revoking another browser', () => {
  let cluster: RunningCluster;
  let browser: Browser;
  let first: BrowserContext;
  let second: BrowserContext;
  let firstPage: Page;
  let secondPage: Page;

  beforeAll(async () => {
    // One at a time, so afterAll can clean up whatever did start.
    browser = await launchChromium();
    cluster = await startCluster({ mode: 'hash', store: REDIS_STORE });
    [first, second] = await Promise.all([browser.newContext(), browser.newContext()]);
    [firstPage, secondPage] = await Promise.all([first.newPage(), second.newPage()]);
  });

  afterAll(async () => {
    await first?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('signs the first browser out on its next request', async () => {
    const base = cluster.url;
    // The second browser signs in and ends any session of Bob's left over in the shared Redis.
    await login(secondPage, base, 'bob');
    await secondPage.goto(`${base}/account/sessions`);
    const leftovers = secondPage.locator('[data-testid=revoke-others]');
    if ((await leftovers.count()) > 0) {
      await Promise.all([secondPage.waitForURL(`${base}/account/sessions`), leftovers.click()]);
    }
    expect(await secondPage.locator('[data-testid=session-row]').count()).toBe(1);

    // The first browser signs in and shops.
    await login(firstPage, base, 'bob');
    await addToCart(firstPage, base, 'socks');
    expect(await signedInAs(firstPage)).toBe('Bob');

    // The second browser now lists both sessions and revokes the other one.
    await secondPage.goto(`${base}/account/sessions`);
    const rows = secondPage.locator('[data-testid=session-row]');
    expect(await rows.count()).toBe(2);
    expect(await secondPage.locator('[data-testid=session-row][data-current=true]').count()).toBe(1);
    const other = secondPage.locator('[data-testid=session-row][data-current=false]');
    await Promise.all([
      secondPage.waitForURL(`${base}/account/sessions`),
      other.locator('[data-testid=revoke]').click(),
    ]);
    expect(await secondPage.locator('[data-testid=flash]').textContent()).toContain('revoked');
    expect(await rows.count()).toBe(1);
    expect(await signedInAs(secondPage)).toBe('Bob');

    // The first browser's next request: signed out, its session (and cart) gone.
    await firstPage.goto(`${base}/cart`);
    expect(await signedInAs(firstPage)).toBeNull();
    expect(await firstPage.locator('[data-testid=login-link]').count()).toBe(1);
    expect(await firstPage.locator('[data-testid=cart-empty]').count()).toBe(1);
    await firstPage.goto(`${base}/account/sessions`);
    expect(new URL(firstPage.url()).pathname).toBe('/login');

    // Clean up: the second browser logs out.
    await Promise.all([secondPage.waitForURL(`${base}/`), secondPage.click('header form[action="/logout"] button')]);
    expect(await signedInAs(secondPage)).toBeNull();
  });
});

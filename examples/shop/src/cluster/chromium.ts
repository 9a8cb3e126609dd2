/**
 * Launches Debian's Chromium headless through playwright-core (a dev dependency: only the browser tests and
 * the screenshot script load this module). Each launch gets a fresh, temporary user-data-dir from Playwright.
 *
 * @module
 */
import type { Browser } from 'playwright-core';
import { requireBinary } from './binary.js';

/** Where Debian's `chromium` package installs the browser; `CHROMIUM_BIN` overrides. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The flags the tests run Chromium with: headless, no sandbox (containers), no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary, or a clear error naming the Debian package to install. */
export function chromiumBinary(): string {
  return requireBinary({
    name: 'Chromium',
    envVar: 'CHROMIUM_BIN',
    defaultPath: DEFAULT_CHROMIUM,
    debianPackage: 'chromium',
  });
}

/** A headless Chromium with a fresh profile. Close it when done. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumBinary();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

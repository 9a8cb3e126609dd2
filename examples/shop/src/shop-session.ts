/**
 * What the shop keeps in a session, and the pure helpers that read and change the cart.
 *
 * @module
 */
import type { ConflictPolicies, SessionData } from '@sessionkit/core';
import type { Product } from './catalog.js';
import { findProduct } from './catalog.js';

/** Product id to quantity. */
export type Cart = Record<string, number>;

/** Shown on the "Active sessions" page so a user can tell their devices apart. */
export interface DeviceInfo {
  /** A short description of the browser, e.g. "Chrome on Linux". */
  browser: string;
  /** Epoch ms of the login. */
  loginAt: number;
  /** The instance that handled the login. */
  instance: string;
}

/** A placed order (the confirmation page reads it back). */
export interface OrderSummary {
  number: string;
  totalCents: number;
  items: number;
  placedAt: number;
  instance: string;
}

/** The session attributes of the shop. The owner (`userId`) is session metadata, not an attribute. */
export interface ShopSession extends SessionData {
  cart?: Cart;
  device?: DeviceInfo;
  lastOrder?: OrderSummary;
  /** A one-shot message shown on the next page. */
  flash?: string;
}

/**
 * How the shop settles an attribute two concurrent requests changed (the cart needs no entry: it is only
 * changed through `Session.update`, which is re-applied to the other request's cart). The flash message is
 * written blind by one request and read-then-cleared by the next page: whichever message is still there is
 * kept, so a page view never answers 409 because an add-to-cart set a new message meanwhile.
 */
export const SHOP_CONFLICT_POLICIES: ConflictPolicies = {
  attributes: { flash: ({ ours, theirs }) => ours ?? theirs },
};

/** Most of one product per cart. */
export const MAX_QUANTITY = 20;

/** A cart line with its product. */
export interface CartLine {
  product: Product;
  quantity: number;
  subtotalCents: number;
}

/** The cart's lines (unknown products are dropped) and total. */
export function cartLines(cart: Cart | undefined): { lines: CartLine[]; totalCents: number; count: number } {
  const lines: CartLine[] = [];
  for (const [id, quantity] of Object.entries(cart ?? {})) {
    const product = findProduct(id);
    if (product && quantity > 0) lines.push({ product, quantity, subtotalCents: product.priceCents * quantity });
  }
  return {
    lines,
    totalCents: lines.reduce((sum, l) => sum + l.subtotalCents, 0),
    count: lines.reduce((sum, l) => sum + l.quantity, 0),
  };
}

/** A new cart with `delta` more of a product (clamped to 0..{@link MAX_QUANTITY}; 0 removes the line). */
export function changeQuantity(cart: Cart | undefined, productId: string, delta: number): Cart {
  const next: Cart = { ...cart };
  const quantity = Math.max(0, Math.min(MAX_QUANTITY, (next[productId] ?? 0) + delta));
  if (quantity === 0) delete next[productId];
  else next[productId] = quantity;
  return next;
}

/** A human-readable browser description from a User-Agent header (good enough to tell devices apart). */
export function describeBrowser(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /HeadlessChrome/.test(ua)
      ? 'Headless Chrome'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Firefox\//.test(ua)
          ? 'Firefox'
          : /Safari\//.test(ua)
            ? 'Safari'
            : /curl\//.test(ua)
              ? 'curl'
              : 'Unknown browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

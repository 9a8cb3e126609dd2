/**
 * The cart page and the order confirmation.
 *
 * @module
 */
import { formatPrice } from '../catalog.js';
import type { CartLine, OrderSummary } from '../shop-session.js';
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { csrfField, layout, productIcon } from './layout.js';

/** The cart: one row per product with +/- buttons, the total and the checkout button. */
export function cartPage(ctx: PageContext, cart: { lines: CartLine[]; totalCents: number }): Html {
  if (cart.lines.length === 0) {
    return layout(
      'Cart',
      ctx,
      html`<h1>Your cart</h1><div class="card" data-testid="cart-empty">Your cart is empty. <a href="/">Browse the products</a>.</div>`,
    );
  }
  const change = (id: string, delta: number, label: string, testid: string) =>
    html`<form class="inline" method="post" action="/cart/change">${csrfField(ctx.csrf)}<input type="hidden" name="product" value="${id}"><input type="hidden" name="delta" value="${delta}"><button class="secondary" type="submit" data-testid="${testid}" aria-label="${label}">${delta > 0 ? '+' : '−'}</button></form>`;
  const rows = cart.lines.map(
    (l) => html`<tr data-testid="line-${l.product.id}">
  <td class="product-cell">${productIcon(l.product, true)} ${l.product.name}</td>
  <td class="num">${formatPrice(l.product.priceCents)}</td>
  <td class="num">${change(l.product.id, -1, `One less ${l.product.name}`, `dec-${l.product.id}`)} <span data-testid="qty-${l.product.id}">${l.quantity}</span> ${change(l.product.id, 1, `One more ${l.product.name}`, `inc-${l.product.id}`)}</td>
  <td class="num">${formatPrice(l.subtotalCents)}</td>
</tr>`,
  );
  const checkout = ctx.user
    ? html`<form method="post" action="/checkout">${csrfField(ctx.csrf)}<button type="submit" data-testid="checkout">Check out</button></form>`
    : html`<a class="button" href="/login?next=/cart">Sign in to check out</a>`;
  return layout(
    'Cart',
    ctx,
    html`<h1>Your cart</h1>
<table><thead><tr><th>Product</th><th class="num">Price</th><th class="num">Quantity</th><th class="num">Subtotal</th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="total"><span>Total <strong data-testid="cart-total">${formatPrice(cart.totalCents)}</strong></span>${checkout}</div>`,
  );
}

/** The confirmation after checkout. */
export function orderPage(ctx: PageContext, order: OrderSummary): Html {
  return layout(
    'Order placed',
    ctx,
    html`<h1>Thank you!</h1>
<div class="card" data-testid="order">
  <p>Order <strong data-testid="order-number">${order.number}</strong> is placed: ${order.items} item(s), <strong data-testid="order-total">${formatPrice(order.totalCents)}</strong>.</p>
  <p class="muted">The cart was read with strong consistency and the order taken by <code>${order.instance}</code> at ${new Date(order.placedAt).toUTCString()}.</p>
  <a href="/">Continue shopping</a>
</div>`,
  );
}

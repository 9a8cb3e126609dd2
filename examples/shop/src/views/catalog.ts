/**
 * The product list (home page).
 *
 * @module
 */
import type { Product } from '../catalog.js';
import { formatPrice } from '../catalog.js';
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { csrfField, layout, productIcon } from './layout.js';

/** The home page: every product with an "Add to cart" button. */
export function productsPage(ctx: PageContext, products: readonly Product[]): Html {
  const cards = products.map(
    (p) => html`<div class="card product" data-testid="product-${p.id}">
  ${productIcon(p)}
  <h2>${p.name}</h2>
  <p>${p.description}</p>
  <div class="buy">
    <span class="price">${formatPrice(p.priceCents)}</span>
    <form method="post" action="/cart/add">${csrfField(ctx.csrf)}<input type="hidden" name="product" value="${p.id}"><button type="submit" data-testid="add-${p.id}">Add to cart</button></form>
  </div>
</div>`,
  );
  return layout('Products', ctx, html`<h1>Products</h1><div class="grid">${cards}</div>`);
}

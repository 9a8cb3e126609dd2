/**
 * The page shell every view renders into: header with navigation, the signed-in user, the cart count and the
 * instance that served the page (so the cluster demo shows which instance answered).
 *
 * @module
 */
import type { Product } from '../catalog.js';
import type { User } from '../users.js';
import type { Html } from './html.js';
import { html } from './html.js';

/** What every page shows around its content. */
export interface PageContext {
  /** The signed-in user, or `null`. */
  user: User | null;
  /** Items in the cart. */
  cartCount: number;
  /** The anti-CSRF token for the forms on the page (logout is a form too). */
  csrf: string | undefined;
  /** The instance serving this request (`INSTANCE_NAME`). */
  instance: string;
  /** A description of the session store (no credentials). */
  storeLabel: string;
  /** A one-shot message to show. */
  flash?: string | undefined;
}

/** The hidden form field carrying the anti-CSRF token. */
export function csrfField(token: string | undefined): Html {
  return html`<input type="hidden" name="_csrf" value="${token ?? ''}">`;
}

/**
 * A product's picture: a coloured tile with its label. Each product has its own class whose colour the
 * stylesheet defines (the CSP forbids inline styles).
 */
export function productIcon(product: Product, small = false): Html {
  return html`<span class="thumb thumb-${product.id}${small ? ' small' : ''}" aria-hidden="true">${product.icon.label}</span>`;
}

/** Wraps page content in the shared layout. */
export function layout(title: string, ctx: PageContext, content: Html): Html {
  const who = ctx.user
    ? html`<span>Signed in as <strong data-testid="user">${ctx.user.displayName}</strong></span>
        <form class="inline" method="post" action="/logout">${csrfField(ctx.csrf)}<button class="link" type="submit">Log out</button></form>`
    : html`<a href="/login" data-testid="login-link">Sign in</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · SessionKit Shop</title>
<link rel="stylesheet" href="/shop.css">
</head>
<body>
<header class="top"><div class="bar">
  <a class="logo" href="/"><span class="mark" aria-hidden="true">SK</span> SessionKit Shop</a>
  <nav>
    <a href="/">Products</a>
    <a href="/cart">Cart <span class="badge" data-testid="cart-count">${ctx.cartCount}</span></a>
    ${ctx.user ? html`<a href="/account/sessions">Active sessions</a>` : ''}
  </nav>
  <div class="who">${who}</div>
  <span class="instance" title="The shop instance that served this page" data-testid="instance" data-instance="${ctx.instance}">served by ${ctx.instance}</span>
</div></header>
<main>
${ctx.flash ? html`<div class="flash" data-testid="flash">${ctx.flash}</div>` : ''}
${content}
</main>
<footer>Sessions are stored in <code>${ctx.storeLabel}</code>. Any instance can serve any request.</footer>
</body>
</html>`;
}

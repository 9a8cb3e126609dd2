/**
 * The error page (403 CSRF, 404, 503 store outage, 500).
 *
 * @module
 */
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';

/** A page with a title and a message. */
export function errorPage(ctx: PageContext, status: number, title: string, message: string): Html {
  return layout(
    title,
    ctx,
    html`<h1>${title}</h1><div class="card flash error" data-testid="error" data-status="${status}">${message}</div><p><a href="/">Back to the shop</a></p>`,
  );
}

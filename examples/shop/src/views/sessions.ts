/**
 * The "Active sessions" page: the signed-in user's sessions, with "revoke" per session and "log out everywhere
 * else". Sessions are identified by their store key (a hash of the ID), never by the ID itself.
 *
 * @module
 */
import type { UserSessionEntryInfo } from '@sessionkit/http';
import type { ShopSession } from '../shop-session.js';
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { csrfField, layout } from './layout.js';

const time = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

/** The list of the user's sessions, the current one first. */
export function sessionsPage(ctx: PageContext, sessions: UserSessionEntryInfo<ShopSession>[]): Html {
  const sorted = [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt - a.createdAt);
  const rows = sorted.map((s) => {
    const device = s.data.device;
    const action = s.current
      ? html`<span class="muted">this browser</span>`
      : html`<form class="inline" method="post" action="/account/sessions/revoke">${csrfField(ctx.csrf)}<input type="hidden" name="key" value="${s.key}"><button class="danger" type="submit" data-testid="revoke">Revoke</button></form>`;
    return html`<tr data-testid="session-row" data-current="${String(s.current)}">
  <td>${device?.browser ?? 'Unknown device'}${s.current ? html`<span class="current">current</span>` : ''}</td>
  <td class="nowrap">${device ? time(device.loginAt) : time(s.createdAt)}</td>
  <td>${device?.instance ?? '?'}</td>
  <td class="nowrap">${time(s.expiresAt)}</td>
  <td class="num">${action}</td>
</tr>`;
  });
  const others = sorted.filter((s) => !s.current).length;
  return layout(
    'Active sessions',
    ctx,
    html`<h1>Active sessions</h1>
<p class="muted">Everywhere you are signed in. Revoking a session signs that browser out on its next request, whichever instance it reaches.</p>
<table><thead><tr><th>Device</th><th>Signed in</th><th>Login instance</th><th>Expires if idle</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="actions">${
      others > 0
        ? html`<form method="post" action="/account/sessions/revoke-others">${csrfField(ctx.csrf)}<button class="danger" type="submit" data-testid="revoke-others">Log out everywhere else (${others})</button></form>`
        : ''
    }</div>`,
  );
}

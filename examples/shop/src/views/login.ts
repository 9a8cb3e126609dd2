/**
 * The sign-in form.
 *
 * @module
 */
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { csrfField, layout } from './layout.js';

/** The login form; `error` is shown above it after a failed attempt. */
export function loginPage(
  ctx: PageContext,
  options: { next: string; error?: string; username?: string; demoUsers: string[] },
): Html {
  return layout(
    'Sign in',
    ctx,
    html`<div class="card login">
<h1>Sign in</h1>
${options.error ? html`<div class="flash error" data-testid="login-error">${options.error}</div>` : ''}
<form method="post" action="/login">
  ${csrfField(ctx.csrf)}
  <input type="hidden" name="next" value="${options.next}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${options.username ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit" data-testid="login-submit">Sign in</button>
</form>
<p class="hint">Demo users: ${options.demoUsers.join(', ')} (the password is the username).</p>
</div>`,
  );
}

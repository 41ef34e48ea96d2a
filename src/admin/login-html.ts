import { escapeHtml } from './escape-html.js';
import { pageHead } from './page-html.js';

/** What the login page is rendered with. */
export interface LoginContext {
  readonly nonce: string;
  readonly title: string;
  /** Why the last attempt failed, if it did. */
  readonly error?: string | undefined;
}

/** The login form: one password field that takes the admin token. It needs no script. */
export function renderLogin(context: LoginContext): string {
  const error =
    context.error === undefined
      ? ''
      : `<p class="banner" role="alert">${escapeHtml(context.error)}</p>`;
  return `${pageHead({ nonce: context.nonce, title: `Log in · ${context.title}` })}
<body>
<main class="wrap">
  <form class="login" method="post" action="login">
    <h1>${escapeHtml(context.title)}</h1>
    <p>Enter the admin token to see and manage the circuit breakers.</p>
    ${error}
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password"
      required autofocus spellcheck="false">
    <button type="submit" class="primary">Log in</button>
  </form>
</main>
</body>
</html>
`;
}

import { escapeHtml } from './escape-html.js';
import { pageScript } from './page-script.js';
import { pageStyle } from './page-style.js';

/** What the admin page is rendered with. Every string is escaped here. */
export interface PageContext {
  /** The CSP nonce of this response. */
  readonly nonce: string;
  /** The page's title, e.g. the service name. */
  readonly title: string;
  /** The CSRF token the page sends back with its actions; empty when none is needed. */
  readonly csrfToken: string;
  readonly readOnly: boolean;
  /** Milliseconds between two polls of the JSON API. */
  readonly refreshInterval: number;
  /** True when the visitor holds a session cookie, so the page offers to log out. */
  readonly session: boolean;
}

const logo = `<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"
 fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
><path d="M2 15c2.5 0 2.5-2 5-2s2.5 2 5 2 2.5-2 5-2 2.5 2 5 2"
/><path d="M2 20c2.5 0 2.5-2 5-2s2.5 2 5 2 2.5-2 5-2 2.5 2 5 2"
/><path d="M5 10V5h14v5"/></svg>`;

const lockIcon = `<svg width="12" height="12" viewBox="0 0 24 24" aria-hidden="true"
 fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round"
><rect x="4" y="11" width="16" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/></svg>`;

/** The HTML head shared by the admin page and the login page. */
export function pageHead(context: { nonce: string; title: string }, meta = ''): string {
  const nonce = escapeHtml(context.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
${meta}<title>${escapeHtml(context.title)}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${pageStyle}</style>
</head>`;
}

/** The admin page: a shell that its script fills from the JSON API and keeps up to date. */
export function renderPage(context: PageContext): string {
  const meta =
    `<meta name="breakwater-csrf" content="${escapeHtml(context.csrfToken)}">\n` +
    `<meta name="breakwater-read-only" content="${String(context.readOnly)}">\n` +
    `<meta name="breakwater-refresh" content="${String(context.refreshInterval)}">\n`;
  const readOnlyNote = context.readOnly
    ? '<p class="note" id="read-only-note">' +
      'Read-only: locking and unlocking are turned off on this page.</p>'
    : '';
  const logout = context.session
    ? '<button type="button" id="logout" class="quiet">Log out</button>'
    : '';

  return `${pageHead(context, meta)}
<body>
<header class="top">
  <div class="wrap top-inner">
    <div class="brand">${logo}<h1>${escapeHtml(context.title)}</h1></div>
    <p class="live is-stale" id="live"><span class="live-dot" aria-hidden="true"></span
    ><span id="live-text">Connecting…</span></p>
    ${logout}
  </div>
</header>
<main class="wrap">
  <div id="banner" class="banner" role="alert" hidden></div>
  ${readOnlyNote}
  <section class="toolbar" aria-label="Summary">
    <ul class="counts">
      <li class="count count-open" id="count-open"><span class="count-n">0</span> open</li>
      <li class="count count-half-open" id="count-half-open"
        ><span class="count-n">0</span> half-open</li>
      <li class="count count-closed" id="count-closed"><span class="count-n">0</span> closed</li>
      <li class="count count-locked" id="count-locked"><span class="count-n">0</span> locked</li>
    </ul>
    <div class="filter">
      <label for="filter">Filter</label>
      <input id="filter" type="search" placeholder="Breaker name" autocomplete="off"
        spellcheck="false">
    </div>
  </section>
  <p id="empty" class="empty" hidden>No breakers yet. A breaker shows here from its first call.</p>
  <p id="no-match" class="empty" hidden>No breaker name contains that text.</p>
  <ul id="breakers" class="breakers" aria-label="Breakers, open ones first"></ul>
  <p id="status" class="visually-hidden" role="status" aria-live="polite"></p>
  <noscript><p class="note">This page needs JavaScript to show live state.
    The JSON API at api/breakers works without it.</p></noscript>
</main>
<template id="breaker-template">
  <li class="breaker">
    <div class="breaker-head">
      <span class="state-pill"><span class="state-icon" aria-hidden="true"></span
        ><span class="state-text"></span></span>
      <h2 class="breaker-name"></h2>
      <span class="lock-badge" hidden>${lockIcon}<span class="lock-text"></span></span>
    </div>
    <dl class="facts">
      <div class="fact"><dt>Failures</dt><dd class="failures"></dd></div>
      <div class="fact fact-error"><dt>Last error</dt><dd class="last-error"
        ><span class="error-text"><span class="error-class"></span
          ><span class="error-message"></span></span
        ><span class="error-time"></span></dd></div>
      <div class="fact"><dt>Next probe</dt><dd class="next-probe"></dd></div>
      <div class="fact"><dt>Last change</dt><dd class="changed"></dd></div>
    </dl>
    <div class="breaker-foot">
      <details class="settings"><summary>Settings it runs with</summary
        ><dl class="settings-list"></dl></details>
      <div class="actions" role="group">
        <button type="button" data-action="open">Lock open</button>
        <button type="button" data-action="closed">Lock closed</button>
        <button type="button" data-action="unlock">Unlock</button>
      </div>
    </div>
  </li>
</template>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <form method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-text"></p>
    <div class="dialog-actions">
      <button value="cancel" class="quiet" autofocus>Cancel</button>
      <button value="confirm" id="confirm-button" class="primary">Confirm</button>
    </div>
  </form>
</dialog>
<script nonce="${escapeHtml(context.nonce)}">${pageScript}</script>
</body>
</html>
`;
}

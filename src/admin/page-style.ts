/** The admin page's style sheet, sent inline with the page under a CSP nonce. */
export const pageStyle = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f4f5f7;
  --card: #ffffff;
  --text: #171a1f;
  --muted: #566070;
  --line: #dfe3e8;
  --line-strong: #c5ccd6;
  --accent: #1f56c2;
  --accent-text: #ffffff;
  --open: #b42318;
  --open-bg: #fef3f2;
  --open-line: #f3a69e;
  --half: #8a3a06;
  --half-bg: #fff8e6;
  --half-line: #f5c56a;
  --closed: #0b6b41;
  --closed-bg: #ebf8f0;
  --closed-line: #86d3a8;
  --lock: #3d2a8c;
  --lock-bg: #f0edff;
  --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 8%);
  --radius: 10px;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  font-size: 15px;
  line-height: 1.45;
  background: var(--bg);
  color: var(--text);
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111318;
    --card: #1a1d24;
    --text: #e9ecf1;
    --muted: #a2abb8;
    --line: #2c313b;
    --line-strong: #3c4350;
    --accent: #7aa7ff;
    --accent-text: #0b1220;
    --open: #ff8a80;
    --open-bg: #2b1719;
    --open-line: #7a2e2a;
    --half: #ffc56b;
    --half-bg: #2a2113;
    --half-line: #6e5220;
    --closed: #6fdba2;
    --closed-bg: #142520;
    --closed-line: #2a5d44;
    --lock: #c9bbff;
    --lock-bg: #241f3d;
    --shadow: none;
  }
}

*,
*::before,
*::after {
  box-sizing: border-box;
}

body {
  margin: 0;
  min-height: 100vh;
}

.wrap {
  width: 100%;
  max-width: 1120px;
  margin: 0 auto;
  padding: 0 20px;
}

.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
}

:focus-visible {
  outline: 3px solid var(--accent);
  outline-offset: 2px;
}

.top {
  background: var(--card);
  border-bottom: 1px solid var(--line);
}

.top-inner {
  display: flex;
  align-items: center;
  gap: 16px;
  min-height: 60px;
  flex-wrap: wrap;
  padding-top: 10px;
  padding-bottom: 10px;
}

.brand {
  display: flex;
  align-items: center;
  gap: 10px;
  margin-right: auto;
  min-width: 0;
}

.brand svg {
  flex: none;
  color: var(--accent);
}

h1 {
  font-size: 1.2rem;
  margin: 0;
  font-weight: 650;
  letter-spacing: -0.01em;
  overflow-wrap: anywhere;
}

.live {
  display: flex;
  align-items: center;
  gap: 8px;
  margin: 0;
  color: var(--muted);
  font-size: 0.87rem;
}

.live-dot {
  width: 8px;
  height: 8px;
  border-radius: 50%;
  background: var(--closed);
}

.live.is-stale .live-dot {
  background: var(--half);
}

button,
input {
  font: inherit;
}

button {
  cursor: pointer;
  border-radius: 7px;
  border: 1px solid var(--line-strong);
  background: var(--card);
  color: var(--text);
  padding: 6px 12px;
  min-height: 34px;
  font-size: 0.9rem;
  font-weight: 550;
}

button:hover:not(:disabled) {
  border-color: var(--muted);
}

button:disabled {
  cursor: not-allowed;
  opacity: 0.45;
}

button.primary {
  background: var(--accent);
  border-color: var(--accent);
  color: var(--accent-text);
}

button.danger {
  background: var(--open);
  border-color: var(--open);
  color: var(--card);
}

button.quiet {
  background: transparent;
}

main.wrap {
  padding-top: 20px;
  padding-bottom: 40px;
}

.banner {
  border: 1px solid var(--open-line);
  background: var(--open-bg);
  color: var(--open);
  border-radius: var(--radius);
  padding: 12px 16px;
  margin: 0 0 16px;
  font-weight: 550;
  overflow-wrap: anywhere;
}

.banner a {
  color: inherit;
}

.note {
  border: 1px solid var(--line);
  background: var(--card);
  color: var(--muted);
  border-radius: var(--radius);
  padding: 10px 16px;
  margin: 0 0 16px;
}

.toolbar {
  display: flex;
  align-items: center;
  justify-content: space-between;
  flex-wrap: wrap;
  gap: 12px;
  margin-bottom: 16px;
}

.counts {
  display: flex;
  flex-wrap: wrap;
  gap: 8px;
  list-style: none;
  margin: 0;
  padding: 0;
}

.count {
  display: inline-flex;
  align-items: baseline;
  gap: 6px;
  border: 1px solid var(--line);
  background: var(--card);
  border-radius: 999px;
  padding: 4px 12px;
  color: var(--muted);
  font-size: 0.88rem;
}

.count-n {
  font-weight: 700;
  color: var(--text);
  font-variant-numeric: tabular-nums;
}

.count-open.has-some {
  border-color: var(--open-line);
  background: var(--open-bg);
  color: var(--open);
}

.count-open.has-some .count-n {
  color: var(--open);
}

.count-half-open.has-some {
  border-color: var(--half-line);
  background: var(--half-bg);
  color: var(--half);
}

.count-half-open.has-some .count-n {
  color: var(--half);
}

.filter {
  display: flex;
  align-items: center;
  gap: 8px;
}

.filter label {
  color: var(--muted);
  font-size: 0.88rem;
}

.filter input {
  border: 1px solid var(--line-strong);
  border-radius: 7px;
  background: var(--card);
  color: var(--text);
  padding: 6px 10px;
  width: 15rem;
  max-width: 100%;
}

.empty {
  color: var(--muted);
  background: var(--card);
  border: 1px dashed var(--line-strong);
  border-radius: var(--radius);
  padding: 28px;
  text-align: center;
}

.breakers {
  list-style: none;
  margin: 0;
  padding: 0;
  display: grid;
  gap: 10px;
}

.breaker {
  background: var(--card);
  border: 1px solid var(--line);
  border-left: 5px solid var(--closed-line);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 12px 18px;
  display: grid;
  gap: 8px;
}

.breaker.state-open {
  border-left-color: var(--open);
}

.breaker.state-half-open {
  border-left-color: var(--half-line);
}

.breaker-head {
  display: flex;
  align-items: center;
  gap: 10px;
  flex-wrap: wrap;
  min-width: 0;
}

.breaker-name {
  font-size: 1rem;
  font-weight: 650;
  margin: 0;
  font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
  overflow-wrap: anywhere;
  min-width: 0;
}

.state-pill {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  border-radius: 999px;
  padding: 2px 10px 2px 8px;
  font-size: 0.8rem;
  font-weight: 700;
  letter-spacing: 0.04em;
  text-transform: uppercase;
  border: 1px solid var(--closed-line);
  background: var(--closed-bg);
  color: var(--closed);
  flex: none;
}

.state-icon {
  width: 10px;
  height: 10px;
  border-radius: 50%;
  background: currentcolor;
  flex: none;
}

.state-open .state-pill {
  border-color: var(--open-line);
  background: var(--open-bg);
  color: var(--open);
}

.state-open .state-icon {
  background: transparent;
  border: 2.5px solid currentcolor;
}

.state-half-open .state-pill {
  border-color: var(--half-line);
  background: var(--half-bg);
  color: var(--half);
}

.state-half-open .state-icon {
  background: linear-gradient(90deg, currentcolor 50%, transparent 50%);
  border: 1.5px solid currentcolor;
}

.lock-badge {
  display: inline-flex;
  align-items: center;
  gap: 5px;
  border-radius: 999px;
  padding: 2px 10px 2px 8px;
  font-size: 0.8rem;
  font-weight: 650;
  border: 1px solid var(--lock);
  background: var(--lock-bg);
  color: var(--lock);
  flex: none;
}

.lock-badge[hidden] {
  display: none;
}

.facts {
  display: grid;
  grid-template-columns: minmax(7rem, 0.7fr) minmax(0, 2.4fr) minmax(8rem, 1fr) minmax(8rem, 1fr);
  gap: 4px 20px;
  margin: 0;
}

.fact {
  min-width: 0;
}

.fact dt {
  color: var(--muted);
  font-size: 0.78rem;
  font-weight: 600;
  text-transform: uppercase;
  letter-spacing: 0.05em;
}

.fact dd {
  margin: 2px 0 0;
  font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere;
}

.error-class {
  font-weight: 650;
}

.error-text {
  display: -webkit-box;
  -webkit-box-orient: vertical;
  -webkit-line-clamp: 2;
  line-clamp: 2;
  overflow: hidden;
}

.error-time,
.none {
  display: block;
  color: var(--muted);
  font-size: 0.88rem;
}

.error-time:empty {
  display: none;
}

.breaker-foot {
  display: flex;
  align-items: flex-start;
  justify-content: space-between;
  gap: 12px;
  flex-wrap: wrap;
}

.settings summary {
  cursor: pointer;
  color: var(--muted);
  font-size: 0.88rem;
  padding: 6px 0;
}

.settings-list {
  display: grid;
  grid-template-columns: auto auto;
  gap: 2px 16px;
  margin: 4px 0 0;
  font-size: 0.88rem;
}

.settings-list dt {
  color: var(--muted);
}

.settings-list dd {
  margin: 0;
  font-variant-numeric: tabular-nums;
}

.actions {
  display: flex;
  gap: 8px;
  flex-wrap: wrap;
  margin-left: auto;
}

.actions [data-action='open'] {
  color: var(--open);
}

.actions [data-action='closed'] {
  color: var(--closed);
}

.breaker.is-busy {
  opacity: 0.7;
}

.breakers.is-stale .breaker {
  opacity: 0.6;
}

dialog {
  border: 1px solid var(--line);
  border-radius: 14px;
  padding: 22px 24px;
  max-width: min(460px, calc(100vw - 32px));
  background: var(--card);
  color: var(--text);
  box-shadow: 0 20px 50px rgb(0 0 0 / 25%);
}

dialog::backdrop {
  background: rgb(15 18 25 / 45%);
}

dialog h2 {
  margin: 0 0 8px;
  font-size: 1.1rem;
  overflow-wrap: anywhere;
}

dialog p {
  margin: 0 0 20px;
  color: var(--muted);
  overflow-wrap: anywhere;
}

.dialog-actions {
  display: flex;
  justify-content: flex-end;
  gap: 10px;
}

.login {
  max-width: 400px;
  margin: 12vh auto 0;
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 14px;
  box-shadow: var(--shadow);
  padding: 28px;
}

.login h1 {
  margin-bottom: 4px;
}

.login p {
  color: var(--muted);
  margin: 0 0 18px;
}

.login label {
  display: block;
  font-weight: 600;
  margin-bottom: 6px;
}

.login input {
  width: 100%;
  border: 1px solid var(--line-strong);
  border-radius: 7px;
  background: var(--bg);
  color: var(--text);
  padding: 9px 11px;
  margin-bottom: 16px;
}

.login button {
  width: 100%;
  min-height: 40px;
}

.login .banner {
  margin-bottom: 16px;
}

@media (max-width: 760px) {
  .facts {
    grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
    gap: 10px 16px;
  }

  .fact-error {
    grid-column: 1 / -1;
    order: 3;
  }
}

@media (max-width: 480px) {
  .wrap {
    padding: 0 12px;
  }

  .breaker {
    padding: 12px 14px;
  }

  .filter,
  .filter input {
    width: 100%;
  }

  .actions {
    width: 100%;
    margin-left: 0;
  }

  .actions button {
    flex: 1 1 0;
    padding: 6px 4px;
    font-size: 0.85rem;
    white-space: nowrap;
  }

  .live {
    order: 3;
    width: 100%;
  }
}

@media (prefers-reduced-motion: no-preference) {
  .breaker {
    transition: border-color 0.3s ease;
  }
}
`;

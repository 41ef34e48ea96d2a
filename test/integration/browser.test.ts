/**
 * The admin page in a real browser (Debian's Chromium through playwright-core): log in, watch a
 * breaker open, lock one closed with the button. Screenshots go to test-artifacts/; with
 * UPDATE_SCREENSHOT=1 the README's picture (docs/images/admin.png) is made again too.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CircuitBreaker, MemoryStore } from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';
import { inCi } from '../helpers/services.js';
import { adminToken, startAdmin, type RunningAdmin } from '../admin/admin-server.js';

const executablePath = '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
if (!haveBrowser) {
  const how = 'install it with apt-get install chromium; CI=true makes this a failure';
  if (inCi) throw new Error(`no browser at ${executablePath}: ${how}`);
  console.warn(`skipping the browser test: no browser at ${executablePath}; ${how}`);
}

class ApiError extends Error {
  override name = 'ApiError';
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

const artifacts = 'test-artifacts';
const minute = 60_000;

describe.runIf(haveBrowser)('admin page in Chromium', () => {
  const clock = new FakeClock(Date.now() - 40 * minute);
  const store = new MemoryStore({ clock });
  let admin: RunningAdmin;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const breaker = (name: string, options: ConstructorParameters<typeof CircuitBreaker>[1] = {}) =>
    new CircuitBreaker(name, { store, clock, ...options });
  const fail = (target: CircuitBreaker, error: Error) =>
    target.run(() => Promise.reject(error), { fallback: () => null });

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    // A few breakers in different states, aged by the fake clock so the page has history.
    await breaker('stripe:create_payment_intent', { threshold: 5 }).run(() => 'ok');
    await breaker('vapi:create_assistant').run(() => 'ok');
    const refund = breaker('stripe:create_refund', { threshold: 3 });
    await fail(refund, new TimeoutError('no answer within 10000 ms'));
    const calls = breaker('vapi:create_call', { threshold: 2, coolOff: 60 * minute });
    await fail(calls, new ApiError('Vapi 502 Bad Gateway'));
    await fail(calls, new ApiError('Vapi 502 Bad Gateway'));
    clock.advance(28 * minute);
    const lookup = breaker('twilio:lookup_number', { threshold: 1, coolOff: 30_000 });
    await fail(lookup, new ApiError('Twilio 500 Internal Server Error (request RQ7f3a)'));
    clock.advance(12 * minute - 9_000);
    await breaker('stripe:list_invoices').lock('closed');
    await breaker('twilio:send_sms', { threshold: 3, coolOff: 60_000 }).run(() => 'sent');

    admin = await startAdmin({ store, now: () => clock.now(), refreshInterval: 500 });
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 1100, height: 900 },
      colorScheme: 'light',
      deviceScaleFactor: 1,
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => {
      problems.push(`unexpected native dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await admin?.close();
  });

  const row = (name: string) =>
    page.locator('.breaker', { has: page.getByRole('heading', { name, exact: true }) });

  it('logs in with the token and lists the breakers, open ones first', async () => {
    await page.goto(`${admin.origin}/`);
    await expect.poll(() => page.title()).toBe('Log in · Breakwater');
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('.breaker');
    expect(page.url()).toBe(`${admin.origin}/`);

    const names = await page.locator('.breaker-name').allTextContents();
    expect(names).toEqual([
      'vapi:create_call',
      'twilio:lookup_number',
      'stripe:create_payment_intent',
      'stripe:create_refund',
      'stripe:list_invoices',
      'twilio:send_sms',
      'vapi:create_assistant',
    ]);
    // The open breaker past its cool-off reads half-open, and the lock is shown as a badge.
    await expect
      .poll(() => row('twilio:lookup_number').getAttribute('data-state'))
      .toBe('half-open');
    expect(await row('stripe:list_invoices').locator('.lock-badge').textContent()).toBe(
      'Locked closed',
    );
    const calls = row('vapi:create_call');
    expect(await calls.locator('.error-text').textContent()).toBe('ApiError: Vapi 502 Bad Gateway');
    expect(await calls.locator('.error-time').textContent()).toBe('39 min ago');
    expect(await calls.locator('.next-probe').textContent()).toBe('In 20 min');
    if (process.env['UPDATE_SCREENSHOT'] === '1') {
      await page.screenshot({ path: 'docs/images/admin.png', fullPage: true });
    }
  });

  it('shows a hostile name as text, never as markup', async () => {
    await breaker('<img src=x onerror=alert(1)>').run(() => 'ok');
    await expect.poll(() => row('<img src=x onerror=alert(1)>').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('.breaker-name').first().textContent()).toBe('vapi:create_call');
  });

  it('turns a breaker red when it opens', async () => {
    const sms = row('twilio:send_sms');
    expect(await sms.getAttribute('data-state')).toBe('closed');
    const target = breaker('twilio:send_sms', { threshold: 3, coolOff: 60_000 });
    for (let i = 0; i < 3; i++) await fail(target, new ApiError('Twilio 503 Service Unavailable'));
    expect(await target.state()).toBe('open');

    await expect.poll(() => sms.getAttribute('data-state'), { timeout: 5_000 }).toBe('open');
    expect(await sms.locator('.state-text').textContent()).toBe('Open');
    const colour = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('.breaker[data-name="twilio:send_sms"] .state-pill')).color`,
    );
    expect(colour).toBe('rgb(180, 35, 24)');
    expect(await sms.locator('.next-probe').textContent()).toMatch(/^In (1 min|59 s)$/);
    await page.screenshot({ path: `${artifacts}/admin-opened.png` });
  });

  it('locks a breaker closed with its button, after confirming', async () => {
    const sms = row('twilio:send_sms');
    await sms.getByRole('button', { name: 'Lock closed' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole('heading').textContent()).toBe('Lock closed twilio:send_sms?');

    // Cancelling changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(store.snapshot('twilio:send_sms')?.locked).toBeUndefined();

    await sms.getByRole('button', { name: 'Lock closed' }).click();
    await page.screenshot({ path: `${artifacts}/admin-confirm.png` });
    await dialog.getByRole('button', { name: 'Lock closed' }).click();
    await expect.poll(() => sms.getAttribute('data-state')).toBe('closed');
    expect(await sms.locator('.lock-badge').textContent()).toBe('Locked closed');
    expect(store.snapshot('twilio:send_sms')?.locked).toBe('closed');
    expect(await sms.getByRole('button', { name: 'Lock closed' }).isDisabled()).toBe(true);
    await expect
      .poll(() => page.locator('#status').textContent())
      .toBe('twilio:send_sms locked closed.');
  });

  it('works from the keyboard: unlock with Enter, dialog and all', async () => {
    const sms = row('twilio:send_sms');
    await sms.getByRole('button', { name: 'Unlock' }).focus();
    await page.keyboard.press('Enter');
    // The dialog opens on Cancel, the safe choice; Tab reaches the action.
    await expect
      .poll(() => page.evaluate<string | undefined>('document.activeElement?.textContent'))
      .toBe('Cancel');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => store.snapshot('twilio:send_sms')?.locked).toBeUndefined();
    await expect.poll(() => sms.getAttribute('data-state')).toBe('open');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${artifacts}/admin-phone.png`, fullPage: true });
    await page.screenshot({ path: `${artifacts}/admin-phone-top.png` });
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it('reports no script errors and no policy violations', async () => {
    await page.screenshot({ path: `${artifacts}/admin-desktop.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});

/**
 * /docs in a real browser (Debian's Chromium driven by playwright-core) against a server on a random port: authorize
 * once with the demo key, reload and still be authorized, Try it out a list (200) and the ping example (201), see its
 * callback arrive in /inbox with its schema matched and, once the secret is entered, its signature verified, with no
 * console error; reached as 127.0.0.1 and as localhost; and a page elsewhere calls the API only from an origin
 * CORS_ORIGINS lists.
 * Screenshots go to test-output/docs-browser/ (ignored by git).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { DEMO_KEY, startTestServer, type TestServer } from '../support/test-server.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = resolve('test-output/docs-browser');
/** Generous bounds for a loaded 2-core machine: how long any one element or answer may take to appear, in milliseconds. */
const STEP_TIMEOUT_MS = 30_000;

if (!existsSync(CHROMIUM)) {
  console.warn(`docs-browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);
}

describe.skipIf(!existsSync(CHROMIUM))('/docs in Chromium', () => {
  let t: TestServer;
  let receiver: RecordingReceiver;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    receiver = await RecordingReceiver.start();
    // On PostgreSQL the demo's loopback default does not apply; the local receiver is allowed explicitly.
    // The receiver's origin stands for a page elsewhere that CORS_ORIGINS lets call the API.
    t = await startTestServer({ CALLBACK_ALLOW_HOSTS: '127.0.0.1', CORS_ORIGINS: receiver.url });
    mkdirSync(SCREENSHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'boomerang-chromium-'));
    // A fresh, empty profile: nothing left from an earlier run (a stored key would hide a broken Authorize).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 1000 },
      // Without the background-networking flags Chromium keeps trying Google's hosts, which this machine's network refuses.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await receiver?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  async function openPage(errors: string[]): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: false });
    console.log(`screenshot: ${path}`);
  }

  /** Opens /docs at `origin` and waits for Swagger UI to have rendered the spec's operations. */
  async function openDocs(page: Page, origin: string): Promise<void> {
    await page.goto(`${origin}/docs`, { waitUntil: 'domcontentloaded' });
    await page.locator('#operations-Organizations-getOrganizations').waitFor();
  }

  /** Enters the demo key in the Authorize dialog's bearerAuth form and closes the dialog. */
  async function authorize(page: Page): Promise<void> {
    await page.locator('.auth-wrapper button.authorize').click();
    // The scheme's box, found by its name: its input is replaced by ****** once authorized.
    const form = page.locator('.auth-container').filter({ has: page.locator('h4 code', { hasText: /^bearerAuth$/ }) });
    await form.locator('#auth-bearer-value').fill(DEMO_KEY);
    await form.locator('button.authorize').click();
    await form.locator('h6', { hasText: 'Authorized' }).waitFor();
    await page.locator('.modal-ux button.btn-done').first().click();
    await page.locator('.modal-ux').waitFor({ state: 'detached' });
  }

  /** Expands an operation, presses Try it out (after `edit`, if any) then Execute, and returns the status shown. */
  async function tryOut(page: Page, id: string, edit?: (operation: ReturnType<Page['locator']>) => Promise<void>): Promise<string> {
    const operation = page.locator(`#${id}`);
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    if (edit) await edit(operation);
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    // So that the screenshot taken next shows the answer.
    await status.scrollIntoViewIfNeeded();
    return (await status.innerText()).trim();
  }

  it('authorizes once, keeps the key across a reload, and tries a list (200) and a ping (201)', async () => {
    const errors: string[] = [];
    const page = await openPage(errors);
    await openDocs(page, t.url);
    await screenshot(page, '1-docs');

    await authorize(page);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#operations-Organizations-getOrganizations').waitFor();
    // persistAuthorization: the lock shows closed and the key is still in the page's storage after the reload.
    await page.locator('.auth-wrapper button.authorize.locked').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('authorized'))).toContain(DEMO_KEY);
    await screenshot(page, '2-authorized-after-reload');

    expect(await tryOut(page, 'operations-Organizations-getOrganizations')).toBe('200');
    const body = page.locator('#operations-Organizations-getOrganizations .live-responses-table .response-col_description pre').first();
    expect(await body.innerText()).toContain(t.demo.organizationId);
    await screenshot(page, '3-organizations-200');

    // The pre-filled example as it stands: its callback goes to the demo's inbox on this server.
    let example: { callback: { url: string; sharedSecret: string } } | undefined;
    const status = await tryOut(page, 'operations-Live_tools-createDeviceLiveToolsPing', async (operation) => {
      example = JSON.parse(await operation.locator('textarea.body-param__text').inputValue());
    });
    expect(example!.callback.url).toBe(`${t.url}/inbox/${t.server.seeded!.inboxToken}`);
    expect(status).toBe('201');
    await screenshot(page, '4-ping-201');
    expect(errors).toEqual([]);

    // The inbox page takes the key Swagger UI kept, shows the demo inbox, and the ping's callback arrives in it.
    const inboxErrors: string[] = [];
    const inbox = await openPage(inboxErrors);
    await inbox.goto(`${t.url}/inbox`, { waitUntil: 'domcontentloaded' });
    await inbox.locator('#inbox-url', { hasText: example!.callback.url }).waitFor();
    const card = inbox.locator('.request', { hasText: 'callback of createDeviceLiveToolsPing' }).first();
    await card.waitFor();
    await card.locator('.badge', { hasText: 'schema: matches' }).waitFor();
    await card.locator('.badge', { hasText: 'signed (enter the secret to check)' }).waitFor();
    // With the example's sharedSecret entered, the same request shows its signature verified.
    await inbox.locator('#secret').fill(example!.callback.sharedSecret);
    await inbox.locator('#secret').dispatchEvent('change');
    await inbox.locator('.request .badge', { hasText: 'signature verified · standard-webhooks' }).first().waitFor();
    await inbox.locator('.request', { hasText: /attempt\(s\)/ }).first().waitFor();
    expect(await card.innerText()).toContain('"target": "75.75.75.75"');
    await screenshot(inbox, '6-inbox');
    // The README shows this page: UPDATE_SCREENSHOTS=1 refreshes the copy in the repository.
    if (process.env.UPDATE_SCREENSHOTS === '1') await inbox.screenshot({ path: resolve('test/screenshots/inbox.png') });
    expect(inboxErrors).toEqual([]);
    await inbox.close();
    await page.close();
  }, 120_000);

  it('works as http://localhost:PORT/docs too: the spec names that origin, so Try it out stays same-origin', async () => {
    const errors: string[] = [];
    const page = await openPage(errors);
    const origin = t.url.replace('127.0.0.1', 'localhost');
    await openDocs(page, origin);
    expect(await page.locator('.servers select').inputValue()).toBe(origin);
    await authorize(page);
    expect(await tryOut(page, 'operations-Organizations-getOrganizations')).toBe('200');
    await screenshot(page, '5-localhost-organizations-200');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("lets a page on a listed origin call the API with a key (preflight and all), and refuses another origin's", async () => {
    const call = (page: Page, url: string, key: string) =>
      page.evaluate(
        async ([url, key]) => {
          try {
            const res = await fetch(url!, { headers: { Authorization: `Bearer ${key}` } });
            return { status: res.status, link: res.headers.get('link'), body: await res.text() };
          } catch (err) {
            return { failed: String(err) };
          }
        },
        [url, key],
      );
    const devices = `${t.url}/api/v1/organizations/${t.demo.organizationId}/devices?perPage=3`;

    const listedErrors: string[] = [];
    const listed = await openPage(listedErrors);
    await listed.goto(`${receiver.url}/page`);
    const answer = await call(listed, devices, DEMO_KEY);
    // Link is readable: the server exposes it to listed origins.
    expect(answer).toMatchObject({ status: 200, link: expect.stringContaining('rel=next'), body: expect.stringContaining('Q2AP-DEMO-0101') });
    expect(listedErrors).toEqual([]);
    await listed.close();

    const otherErrors: string[] = [];
    const other = await openPage(otherErrors);
    // The same page, but at another origin (the host differs), which CORS_ORIGINS does not list.
    await other.goto(`${receiver.url.replace('127.0.0.1', 'localhost')}/page`);
    expect(await call(other, devices, DEMO_KEY)).toEqual({ failed: 'TypeError: Failed to fetch' });
    // Chromium says why in the console: the preflight's answer (403) allows no origin.
    expect(otherErrors).toEqual([
      expect.stringMatching(/from origin 'http:\/\/localhost:\d+' has been blocked by CORS policy: Response to preflight request doesn't pass access control check/),
      'console: Failed to load resource: net::ERR_FAILED',
    ]);
    await other.close();
  }, 120_000);
});

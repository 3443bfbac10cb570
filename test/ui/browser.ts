/**
 * Headless Chromium for the UI tests and the UI benchmark: Debian's /usr/bin/chromium driven by playwright-core
 * (never a downloaded browser), and screenshots kept under test-artifacts/ui/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package installs the browser (.ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the UI tests (gitignored; kept by CI as artifacts). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'ui');

/** Launches headless Chromium; fails naming the fix when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; install it with 'apt-get install -y chromium' (.ci/run does).`);
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Loads `url` afresh and waits until the UI says it has rendered its route. */
export async function openView(page: Page, url: string): Promise<void> {
  await page.goto('about:blank'); // a hash-only change would not reload the page
  await page.goto(url);
  await page.waitForFunction('document.body.dataset.rendered !== undefined', undefined, { timeout: 20_000 });
}

/** Saves a full-page screenshot as test-artifacts/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Collects page errors, so a test can assert there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

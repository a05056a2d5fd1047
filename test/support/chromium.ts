import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * A real browser for tests: Debian's `chromium` (apt-get, as `.ci/run` installs it) driven by
 * playwright-core, which downloads no browser of its own. One browser per test file, launched in
 * beforeAll and closed in afterAll; each test that needs a separate person (cookies, storage)
 * opens a context of its own, which costs milliseconds, not a launch.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots go: git-ignored, kept by CI as test artifacts if it wants them. */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-results/screenshots');

/** `args`: more Chromium switches, e.g. `--host-resolver-rules=MAP *.example.test 127.0.0.1` for tenants' hosts. */
export async function launchChromium(options: { args?: readonly string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // As root (CI containers) Chromium's sandbox cannot start; /dev/shm is tiny in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', ...(options.args ?? [])],
    timeout: 120_000,
  });
}

/** The file's one browser: launched before its tests, closed after them. */
export function chromiumForThisFile(options: { args?: readonly string[] } = {}): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium(options);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('the browser is not launched yet (use it inside tests or a later beforeAll)');
    return browser;
  };
}

/**
 * What went wrong inside a page: uncaught exceptions, `console.error` (a Content-Security-Policy
 * violation is reported there) and failed requests. A test asserts it stayed empty.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('requestfailed', (request) => {
    // A navigation away cancels what the old page still loads; that is no failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  return problems;
}

/**
 * A new context (its own cookies and storage) and page, with generous timeouts for a loaded
 * machine. `clipboard` lets the page write and read the clipboard (copy buttons).
 */
export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; clipboard?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    permissions: options.clipboard ? ['clipboard-read', 'clipboard-write'] : [],
  });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a full-page screenshot as test-results/screenshots/<group>/<name>.png and returns its path. */
export async function screenshot(page: Page, group: string, name: string): Promise<string> {
  const file = path.join(SCREENSHOT_DIR, group, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

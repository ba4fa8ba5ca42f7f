/**
 * A headless Chromium (Debian's `chromium`, driven by puppeteer-core) on one page of the web dashboard, that
 * records everything a user would count as broken: console errors, uncaught page errors, failed requests and
 * answers with a status of 400 or more.
 *
 * ```ts
 * const browser = await DashboardBrowser.launch(cluster.restUrl);
 * await browser.open('/');
 * await browser.page.waitForSelector('[data-test=slots-total]');
 * browser.assertNoProblems('overview');
 * await browser.close();
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** test-artifacts/screenshots/ of the checkout (git-ignored; CI keeps it as an artifact). */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test-artifacts', 'screenshots');

/** Where `chromium` is (`command -v chromium`), or a clear error saying how to install it. */
export function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (found !== '') return found;
  } catch {
    // not installed: said below
  }
  throw new Error('The browser tests need Debian\'s Chromium: apt-get install chromium (.ci/run installs it), or set CHROMIUM_PATH.');
}

/**
 * The browser globals the functions run in the page touch (this build has no DOM lib); they are serialised into
 * the page, so they reach them through `globalThis`, never through a helper of this module.
 */
interface InPage {
  document: { querySelector(selector: string): { textContent: string | null } | null };
  location: { hash: string };
}

export class DashboardBrowser {
  private readonly problems: string[] = [];
  private closed = false;

  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  static async launch(baseUrl: string): Promise<DashboardBrowser> {
    const browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      // As root in CI Chromium refuses its sandbox; /dev/shm is small in containers.
      args: ['--no-sandbox', '--headless=new', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
      defaultViewport: { width: 1440, height: 900 },
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      const b = new DashboardBrowser(browser, page, baseUrl);
      b.watch();
      return b;
    } catch (err) {
      await browser.close();
      throw err;
    }
  }

  private watch(): void {
    const p = this.page;
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const url = msg.location().url ?? '';
      this.problems.push(`console error: ${msg.text()}${url ? ` (${url})` : ''}`);
    });
    p.on('pageerror', (err) => this.problems.push(`page error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    p.on('requestfailed', (req) => this.problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? '?'}`));
    p.on('response', (res) => {
      if (res.status() >= 400) this.problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
    });
  }

  /** Loads the dashboard at `path` (a full page load: use hash links to move around afterwards). */
  async open(path = '/'): Promise<void> {
    await this.page.goto(`${this.baseUrl}${path}`, { waitUntil: 'load' });
  }

  /** Moves to a dashboard route (`/jobs/<id>`) the way a link does, without reloading the page. */
  async route(route: string): Promise<void> {
    await this.page.evaluate((r) => {
      (globalThis as unknown as InPage).location.hash = `#${r}`;
    }, route);
  }

  /** The text of the first element matching `selector`, once it matches `pattern`. */
  async waitForText(selector: string, pattern: RegExp, timeout = 30_000): Promise<string> {
    try {
      const handle = await this.page.waitForFunction(
        (sel: string, source: string, flags: string) => {
          const text = (globalThis as unknown as InPage).document.querySelector(sel)?.textContent ?? '';
          return new RegExp(source, flags).test(text) ? text : false;
        },
        { timeout, polling: 200 },
        selector,
        pattern.source,
        pattern.flags,
      );
      return (await handle.jsonValue()) as string;
    } catch (err) {
      const last = await this.textOf(selector);
      throw new Error(`waiting for ${selector} to match ${String(pattern)}: ${err instanceof Error ? err.message : String(err)}; its text is ${JSON.stringify(last.slice(-400))}`);
    }
  }

  /** The number (thousands separators allowed) shown by `selector`, once it is above `min`. */
  async waitForNumberAbove(selector: string, min: number, timeout = 30_000): Promise<number> {
    try {
      const handle = await this.page.waitForFunction(
        (sel: string, floor: number) => {
          const text = ((globalThis as unknown as InPage).document.querySelector(sel)?.textContent ?? '').replace(/,/g, '').trim();
          const n = /^\d+$/.test(text) ? Number(text) : NaN;
          return n > floor ? n : false;
        },
        { timeout, polling: 200 },
        selector,
        min,
      );
      return (await handle.jsonValue()) as number;
    } catch (err) {
      const last = await this.textOf(selector);
      throw new Error(`waiting for ${selector} to show a number above ${min}: ${err instanceof Error ? err.message : String(err)}; it shows ${JSON.stringify(last)}`);
    }
  }

  async textOf(selector: string): Promise<string> {
    return this.page.$eval(selector, (el) => el.textContent ?? '').catch(() => '');
  }

  async screenshot(name: string): Promise<string> {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  /** Throws (and forgets them) when anything went wrong on the page since the last call. */
  assertNoProblems(where: string): void {
    const found = this.problems.splice(0);
    if (found.length > 0) throw new Error(`problems on the ${where} page:\n${found.join('\n')}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser.close().catch(() => undefined);
  }
}

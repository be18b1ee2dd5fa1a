// Headless Chromium through playwright-core, with the system's browser (Debian's `chromium`);
// playwright's own browser downloads are never used.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { PageResult } from './page-result.js';

/** The browser binary: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * WebGL without a GPU: ANGLE on SwiftShader (software Vulkan), which Chromium only allows for
 * WebGL when asked to explicitly.
 */
export const CHROMIUM_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/** A started browser, or why none started. */
export type Launch = { ok: true; browser: Browser; version: string } | { ok: false; reason: string };

/** Starts headless Chromium from {@link CHROMIUM_PATH}; never throws. */
export async function launchChromium(): Promise<Launch> {
  if (!existsSync(CHROMIUM_PATH)) {
    return { ok: false, reason: `no browser at ${CHROMIUM_PATH}; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH` };
  }
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    return { ok: true, browser, version: browser.version() };
  } catch (err) {
    return { ok: false, reason: `${CHROMIUM_PATH} did not start: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Options of {@link runPage}. */
export interface RunPageOptions {
  /** How long to wait for `window.__result`. */
  timeoutMs: number;
  /**
   * `navigator.hardwareConcurrency` the page sees (DevTools' override). tfjs-backend-wasm runs
   * at most half of it in threads, so a 2-core machine needs 4 to run 2. @defaultValue the machine's
   */
  hardwareConcurrency?: number;
}

/**
 * Opens `url` in a fresh page, waits for `window.__result` and returns it; the page's console
 * errors and uncaught exceptions are part of the error when none comes.
 */
export async function runPage(browser: Browser, url: string, options: RunPageOptions): Promise<PageResult> {
  const { timeoutMs, hardwareConcurrency } = options;
  const page = await browser.newPage();
  if (hardwareConcurrency !== undefined) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency });
  }
  const log: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (err) => log.push(`uncaught: ${err.message}`));
  try {
    await page.goto(url);
    try {
      await page.waitForFunction(() => window.__result !== undefined, undefined, { timeout: timeoutMs });
    } catch (err) {
      throw new Error(`${url}: no window.__result within ${timeoutMs} ms (${(err as Error).message.split('\n')[0]})\n${log.join('\n')}`);
    }
    return (await page.evaluate(() => window.__result)) as PageResult;
  } finally {
    await page.close();
  }
}

/**
 * Opens `url` and returns the first `lines` messages the page passes to `console.log`; an
 * uncaught exception or console error ends the wait with that error.
 */
export async function consoleLines(browser: Browser, url: string, lines: number, timeoutMs: number): Promise<string[]> {
  const page = await browser.newPage();
  const logged: string[] = [];
  try {
    let done: () => void = () => {};
    let fail: (err: Error) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });
    page.on('console', (m) => {
      if (m.type() === 'log') logged.push(m.text());
      if (m.type() === 'error') fail(new Error(`${url}: console.error: ${m.text()}`));
      if (logged.length >= lines) done();
    });
    page.on('pageerror', (err) => fail(new Error(`${url}: uncaught: ${err.message}`)));
    const timer = setTimeout(() => fail(new Error(`${url}: ${logged.length} of ${lines} console.log lines within ${timeoutMs} ms: ${JSON.stringify(logged)}`)), timeoutMs);
    try {
      await page.goto(url);
      await finished;
    } finally {
      clearTimeout(timer);
    }
    return logged.slice(0, lines);
  } finally {
    await page.close();
  }
}

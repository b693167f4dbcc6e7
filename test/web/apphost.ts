/**
 * Node-side helpers for the app tests: build the app as `npm run app` does (into WEB), serve it on
 * 127.0.0.1 (a plain static server: the app must work from any static host), and drive it in
 * Debian's headless Chromium through playwright-core (never a downloaded browser). Every request
 * the page makes is recorded, so a test can check that nothing left 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The app as the tests build it: beside the test bundles, so concurrent runs (HSI_TEST_OUT) stay apart. */
export const WEB = path.join(process.env.HSI_TEST_OUT ?? 'dist/test', 'web');
/** Screenshots of each state (docs/app.md shows some of them). */
export const SHOTS = process.env.HSI_APP_SHOTS ?? 'dist/app-shots';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export async function buildApp(): Promise<void> {
  await promisify(execFile)('node', ['scripts/app-build.mjs', '--out', WEB]);
}

/** Serves `dir` (dist/web/); resolves with the origin and a function that stops the server. */
export function serveApp(dir = WEB): Promise<{ origin: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(dir, url === '/' ? 'index.html' : path.normalize(url).replace(/^([/\\])+/, ''));
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ origin: `http://127.0.0.1:${port}`, close: () => server.close() });
  }));
}

/** Chromium with WebGPU on SwiftShader (as the browser tests run), or without the flag. */
export function launch(webgpu: boolean): Promise<Browser> {
  const args = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  return chromium.launch({ executablePath: process.env.HSI_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: webgpu ? [...args, '--enable-unsafe-webgpu'] : args });
}

export interface AppPage {
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors and uncaught page errors (printed when a test fails). */
  problems: string[];
}

/**
 * Opens the app in a new page with a long-task observer installed before any script runs
 * (`globalThis.__longTasks`: [startTime, duration] of each main-thread task over 50 ms).
 */
export async function openApp(browser: Browser, origin: string): Promise<AppPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.addInitScript(() => {
    const g = globalThis as unknown as { __longTasks: [number, number][] };
    g.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) g.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${origin}/`);
  return { page, requests, problems };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // Right after a GPU process crash Chromium cannot capture for a moment: try again briefly.
  for (let attempt = 1; ; attempt++) {
    try {
      return void (await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }));
    } catch (e) {
      if (attempt === 5) throw e;
      await page.waitForTimeout(500 * attempt);
    }
  }
}

/** Distinct colours among the pixels of an <img> (0 when it did not decode). */
export function imageColours(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const c = document.createElement('canvas');
    [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return c.width * c.height > 0 ? seen.size : 0;
  });
}

/** `[data-testid="name"]`: the app's stable hooks (README, Browser app). */
export const id = (name: string): string => `[data-testid="${name}"]`;

export interface AppSession {
  origin: string;
  browser: Browser;
  app: AppPage;
  close(): Promise<void>;
}

/** Builds and serves the app, opens it in Chromium with WebGPU, and waits until the GPU is up. */
export async function startApp(suiteName: string): Promise<AppSession> {
  await buildApp();
  const server = await serveApp();
  const browser = await launch(true);
  const app = await openApp(browser, server.origin);
  const close = async (): Promise<void> => {
    if (app.problems.length) console.log(`${suiteName}: page problems:\n  ${app.problems.join('\n  ')}`);
    await browser.close();
    server.close();
  };
  await app.page.waitForSelector(`${id('file-input')}:not([disabled])`, { timeout: 60_000 });
  return { origin: server.origin, browser, app, close };
}

// Runs a test bundle in headless Debian Chromium through playwright-core, with WebGPU on
// SwiftShader. Never downloads a browser: it uses /usr/bin/chromium (scripts/setup.sh).
import http from 'node:http';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.HSI_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// The shared test scenes (../shared/data), served read-only under /shared-data/ so browser tests
// read the same files as Node tests; a path that resolves outside that folder is refused.
const SHARED_DATA = fileURLToPath(new URL('../../shared/data', import.meta.url));

// Returns the file's real path, 'missing' for a file of that folder (or the folder) that does not
// exist, or null for anything refused (outside the folder, not a file, a malformed escape).
function sharedFile(url) {
  let target;
  try {
    target = path.resolve(SHARED_DATA, decodeURIComponent(url.slice('/shared-data/'.length).split('?')[0]));
  } catch {
    return null;
  }
  if (!target.startsWith(SHARED_DATA + path.sep)) return null;
  if (!existsSync(target)) return 'missing';
  try {
    const real = realpathSync(target);
    if (!real.startsWith(realpathSync(SHARED_DATA) + path.sep) || !statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

function serve(bundle, nodeParity) {
  const page = `<!doctype html><meta charset="utf-8"><title>hsi-gpu tests</title>
<script>globalThis.__hsiNodeParity = ${JSON.stringify(nodeParity)};
globalThis.__hsiEnv = ${JSON.stringify({ allowMissingData: process.env.HSI_ALLOW_MISSING_DATA === '1' })};</script>
<script type="module" src="/tests.js"></script>`;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (url === '/favicon.ico') return res.writeHead(204).end();
    if (url.startsWith('/shared-data/')) {
      const shared = req.method === 'GET' ? sharedFile(url) : null;
      // Only an absent file is marked missing (the tests may skip it); anything else is an error.
      if (shared === 'missing') return res.writeHead(404, { 'x-hsi-missing': '1' }).end();
      if (!shared) return res.writeHead(403).end();
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(shared));
    }
    const file = { '/tests.js': bundle, '/tests.js.map': `${bundle}.map` }[url];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Loads `bundle` in a fresh headless Chromium profile and returns the counts it reports. */
export async function runInChromium(bundle, nodeParity, timeoutMs = 20 * 60_000) {
  const server = await serve(path.resolve(bundle), nodeParity);
  // launch() gives every run a fresh temporary user data dir.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  let pageErrors = 0;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      // A shared scene marked missing is a 404 the tests handle (skip or failure): not noise to print.
      if (m.type() === 'error' && /Failed to load resource/.test(m.text()) && (m.location()?.url ?? '').includes('/shared-data/')) return;
      // uvu colours its output and writes progress dots without newlines: keep them on one line.
      const t = m.text().replace(/\x1b\[[0-9;]*m/g, '');
      process.stdout.write(/\s$/.test(t) ? t : `${t}\n`);
    });
    page.on('pageerror', (e) => {
      pageErrors++;
      console.error(`chromium: uncaught page error: ${e.stack ?? e}`);
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => globalThis.__hsiResult !== undefined, null, { timeout: timeoutMs, polling: 250 });
    const r = await page.evaluate(() => globalThis.__hsiResult);
    if ('error' in r) {
      console.error(`chromium: the test harness failed: ${r.error}`);
      return { passed: 0, failed: 1, skipped: 0, files: 0, skips: [] };
    }
    return { ...r, failed: r.failed + pageErrors };
  } finally {
    await browser.close();
    server.close();
  }
}

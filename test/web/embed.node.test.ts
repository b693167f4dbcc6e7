// Node only: the README's "Embedding" example, built exactly as written (its three code blocks,
// bundled with the esbuild command it gives, 'hsi-gpu' being this checkout) and run in headless
// Chromium on muufl_tgt_det_demo.mat: the page prints the AUC the Node engine computes.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSceneBytes } from '../../src/data/scene.ts';
import { detectionScores } from '../../src/metrics/roc.ts';
import { findModel } from '../../src/models/index.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { launch, openApp, serveApp } from './apphost.ts';

const test = suite('web/embed');
const DIR = path.resolve(process.env.HSI_TEST_OUT ?? 'dist/test', 'embed');
const MUUFL = 'had/muufl_tgt_det_demo.mat';

/** The Embedding section's code blocks, by the file name on their first line. */
function exampleFiles(): Record<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding\n'), readme.indexOf('\n## ', readme.indexOf('## Embedding\n') + 1));
  const files: Record<string, string> = {};
  for (const m of section.matchAll(/```(?:html|ts)\n(.*)\n([\s\S]*?)```/g)) {
    const name = /(?:<!--|\/\/) (\S+\.(?:html|ts))/.exec(m[1])?.[1];
    if (name) files[name] = `${m[1]}\n${m[2]}`;
  }
  return files;
}

test('the README example bundles and shows the RX AUC of the Node engine', async () => {
  const bytes = await sharedData(MUUFL);
  if (!bytes) return skipMissing('web/embed', MUUFL);
  const files = exampleFiles();
  assert.equal(Object.keys(files).sort(), ['index.html', 'main.ts', 'rx-worker.ts']);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(DIR, name), text);
  await promisify(execFile)('node', ['scripts/app-build.mjs', '--example', DIR]);
  const server = await serveApp(DIR);
  const browser = await launch(true);
  try {
    const { page, requests } = await openApp(browser, server.origin);
    await page.setInputFiles('input', `../shared/data/${MUUFL}`);
    await page.waitForFunction(() => (document.querySelector('output')?.textContent ?? '') !== '', null, { timeout: 60_000 });
    const shown = (await page.textContent('output')) ?? '';
    const { cube, map } = await readSceneBytes('muufl_tgt_det_demo.mat', bytes, { mapKind: 'anomaly' });
    const { scores } = await findModel('rx', 'detect').run(await testGpu(), cube, {});
    const node = detectionScores(scores, map!.data).aucDF;
    const auc = Number(/AUC\(D,F\) ([\d.]+)/.exec(shown)?.[1]);
    assert.ok(Math.abs(auc - node) <= 1e-6, `page: ${shown}; Node AUC(D,F) ${node}`);
    assert.ok(requests.every((u) => u.startsWith(`${server.origin}/`)), requests.join(', '));
  } finally {
    await browser.close();
    server.close();
  }
});

test.run();

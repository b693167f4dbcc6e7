// Node only: the browser app (src/web/, docs/app.md) driven in headless Chromium through
// playwright-core, as a user would: open a real scene or the synthetic one, run registered
// methods in the worker, read the metrics it shows and compare them with the Node engine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSceneBytes } from '../../src/data/scene.ts';
import { readMat } from '../../src/data/mat.ts';
import { findModel } from '../../src/models/index.ts';
import { scoreResult } from '../../src/report/detect.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { id, imageColours, launch, openApp, shot, startApp, type AppPage, type AppSession } from './apphost.ts';

const test = suite('web/app');
const MUUFL = 'had/muufl_tgt_det_demo.mat';
let session: AppSession;
let app: AppPage;

test.before(async () => {
  session = await startApp('web/app');
  app = session.app;
  // Every text the progress line shows, in order (takeProgress reads and clears it).
  await app.page.evaluate(() => {
    const g = globalThis as unknown as { __progress: string[] };
    g.__progress = [];
    new MutationObserver(() => g.__progress.push(document.querySelector('[data-testid="progress"]')?.textContent ?? ''))
      .observe(document.querySelector('[data-testid="progress-box"]')!, { subtree: true, childList: true, characterData: true });
  });
});

/** The progress lines shown since the last call that match `pattern` (by default `step i/n, loss …`). */
async function takeProgress(pattern = /^step \d+\/\d+, loss /): Promise<string[]> {
  const lines = await app.page.evaluate(() => (globalThis as unknown as { __progress: string[] }).__progress.splice(0));
  return lines.filter((t) => pattern.test(t));
}

test.after(() => session?.close());

/** Picks the method, fills `options` and clicks Run (settled() waits for the end). */
async function run(task: string, model: string, options: Record<string, string> = {}): Promise<void> {
  const { page } = app;
  await page.selectOption(id('task'), task);
  await page.selectOption(id('model'), model);
  for (const [k, v] of Object.entries(options)) await page.fill(id(`option-${k}`), v);
  await page.click(id('run'));
}

/** Waits until the run button is enabled again (the run ended one way or another). */
async function settled(timeout = 60_000): Promise<void> {
  await app.page.waitForSelector(`${id('run')}:not([disabled])`, { timeout });
}

test('muufl_tgt_det_demo.mat: RX in the page gives the Node AUC (1e-6), the map and the CLI files', async () => {
  const bytes = await sharedData(MUUFL);
  if (!bytes) return skipMissing('web/app RX', MUUFL);
  const { page } = app;
  await page.setInputFiles(id('file-input'), `../shared/data/${MUUFL}`);
  await page.waitForSelector(id('scene-picture'));
  const { cube, map } = await readSceneBytes('muufl_tgt_det_demo.mat', bytes, { mapKind: 'anomaly' });
  assert.match(await page.textContent(id('scene-info')) ?? '', `${cube.rows} × ${cube.cols} pixels, ${cube.bands} bands`);
  await shot(page, '1-scene');
  await run('detect', 'rx');
  await settled();
  const text = await page.locator(id('result-metrics')).first().textContent() ?? '';
  const shown = Number(/AUC\(D,F\) ([\d.]+)/.exec(text)?.[1]);
  const out = await findModel('rx', 'detect').run(await testGpu(), cube, {});
  const node = scoreResult({ cube, map, scores: out.scores })!;
  assert.ok(Math.abs(shown - node.aucDF) <= 1e-6, `AUC(D,F): page ${shown}, Node ${node.aucDF}`);
  assert.ok(await imageColours(page, id('result-map')) > 16, 'the score map has pixels of many colours');
  const names = await page.locator(`${id('runs')} article >> nth=0 >> a.download`).evaluateAll((as) => as.map((a) => a.getAttribute('download')));
  assert.equal(names, ['scores.tif', 'scores.npy', 'scores.mat', 'scores.png', 'scene.png', 'detections.png', 'gt-overlay.png', 'roc.csv', 'roc.png', 'summary.json', 'muufl_tgt_det_demo-rx.zip']);
  const summary = await page.locator('a[download="summary.json"]').first().evaluate(async (a: HTMLAnchorElement) => (await fetch(a.href)).json());
  assert.ok(Math.abs(summary.auc.aucDF - node.aucDF) <= 1e-6 && summary.model === 'rx' && summary.rows === cube.rows, JSON.stringify(summary.auc));
  // The summary's fields are those of `hsi detect --json` (test/cli/detect.node.test.ts).
  assert.equal(Object.keys(summary).sort(), ['adapter', 'auc', 'bands', 'cols', 'crs', 'detections', 'file', 'files', 'model', 'out', 'rows', 'scene', 'seconds', 'seed', 'settings'].sort());
  const withOutline = await page.getAttribute(id('result-map'), 'src');
  await page.uncheck(id('gt-outline'));
  assert.ok(await page.getAttribute(id('result-map'), 'src') !== withOutline, 'the outline toggle swaps the picture');
  assert.ok(await imageColours(page, id('result-map')) > 16);
  await page.check(id('gt-outline'));
  await shot(page, '2-rx-result');
});

test('synthetic scene: BS3LNet trains with progress events, the map renders, no long main-thread task', async () => {
  const { page } = app;
  // A small scene keeps training on SwiftShader (CPU) to seconds.
  for (const [k, v] of Object.entries({ rows: '32', cols: '32', bands: '24', anomalies: '6' })) await page.fill(id(`synth-${k}`), v);
  await page.click(id('synthetic'));
  await page.waitForSelector(id('scene-picture'));
  await takeProgress();
  await page.evaluate(() => ((globalThis as unknown as { __t0: number }).__t0 = performance.now()));
  await run('detect', 'bs3lnet', { epochs: '6' });
  await settled(120_000);
  // Read before the checks below, which draw the map on a canvas in the page's main thread.
  const long = await page.evaluate(() => {
    const g = globalThis as unknown as { __longTasks: [number, number][]; __t0: number };
    return g.__longTasks.filter(([start, d]) => start >= g.__t0 && d > 100);
  });
  const steps = await takeProgress();
  assert.ok(steps.length >= 1 && steps.every((t) => /^step [1-6]\/6, loss \S+, \S+ steps\/s, ETA /.test(t)), `progress lines: ${steps.join(' | ')}`);
  assert.match(await page.locator(id('result-metrics')).first().textContent() ?? '', /AUC\(D,F\) 0\.\d{7}/);
  assert.ok(await imageColours(page, id('result-map')) > 16, 'the score map has pixels of many colours');
  assert.ok(await page.locator(`${id('loss-curve')} canvas`).count() === 1, 'the loss curve is drawn');
  assert.equal(long, [], 'main-thread tasks over 100 ms while training');
  await shot(page, '3-bs3lnet-result');
});

test('Cancel stops a long BS3LNet run after the current step and keeps nothing', async () => {
  const { page } = app;
  const cards = await page.locator(id('run-card')).count();
  await run('detect', 'bs3lnet', { epochs: '100000' });
  await page.waitForFunction(() => /^step \d+\/100000/.test(document.querySelector('[data-testid="progress"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await shot(page, '4-training');
  await page.click(id('cancel'));
  await settled();
  assert.match(await page.textContent(id('progress')) ?? '', /^cancelled at step \d+ of 100000/);
  assert.is(await page.locator(id('run-card')).count(), cards, 'no card for a cancelled run');
});

test('Super-AD and SSCC run a few steps; SSCC shows a cluster map, legend and metrics', async () => {
  const { page } = app;
  await takeProgress();
  await run('detect', 'superad', { steps: '2' });
  await settled(120_000);
  assert.ok((await takeProgress()).some((t) => /^step [12]\/2, loss/.test(t)), 'Super-AD progress events');
  assert.ok(await imageColours(page, id('result-map')) > 16, 'the Super-AD score map has pixels of many colours');
  assert.match(await page.locator(id('result-metrics')).first().textContent() ?? '', /^AUC\(D,F\) 0\.\d{7}/);
  await run('cluster', 'sscc', { k: '3', epochs: '1' });
  await settled(120_000);
  const lines = await takeProgress(/./);
  assert.ok(lines.some((t) => /^step \d+\/\d+, loss /.test(t)), `SSCC training progress: ${lines.join(' | ')}`);
  // After training, SSCC assigns every pixel: a pass of its own (registry onPass).
  assert.ok(lines.some((t) => /^assign: \d+\/1024 pixel/.test(t)), `SSCC assignment progress: ${lines.join(' | ')}`);
  assert.match(await page.textContent(id('progress')) ?? '', /^sscc done/);
  const problem = await page.isVisible(id('error')) ? await page.textContent(id('error')) : '';
  assert.is(problem, '', 'no error');
  assert.match(await page.locator(id('result-metrics')).first().textContent() ?? '', /^ACC [01]\.\d{4}  NMI/);
  assert.ok(await imageColours(page, id('result-map')) >= 3, 'the cluster map has clusters, the ground truth and white');
  assert.is(await page.locator(`${id('run-card')} >> nth=0 >> .legend li`).count(), 3, 'a legend entry per cluster');
  await shot(page, '5-runs-side-by-side');
});

test('a corrupt file shows the data error the library gives', async () => {
  const { page } = app;
  const junk = Buffer.from('this is not a MAT-file at all, only some text long enough to have a header. '.repeat(3));
  let expected = '';
  try {
    await readMat(junk, 'corrupt.mat');
  } catch (e) {
    expected = (e as Error).message;
  }
  assert.ok(expected.startsWith('corrupt.mat: '), expected);
  await page.setInputFiles(id('file-input'), { name: 'corrupt.mat', mimeType: 'application/octet-stream', buffer: junk });
  await page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.is((await page.textContent(id('error')))?.trim(), expected);
  await shot(page, '6-data-error');
});

test('no request left 127.0.0.1', () => {
  const outside = app.requests.filter((u) => !u.startsWith(`${session.origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.equal(outside, []);
  assert.ok(app.requests.some((u) => u.endsWith('/worker.js')), 'the worker was loaded from the app');
});

test('a lost GPU device is reported and Restart brings the app back with the scene', async () => {
  const { page } = app;
  await page.click(id('synthetic'));
  await page.waitForSelector(id('scene-picture'));
  await run('detect', 'bs3lnet', { epochs: '100000' });
  await page.waitForFunction(() => /^step \d+\/100000/.test(document.querySelector('[data-testid="progress"]')?.textContent ?? ''), null, { timeout: 60_000 });
  // Chromium's own way to lose every device: its GPU process crashes (as a driver reset does).
  await (await session.browser.newBrowserCDPSession()).send('Browser.crashGpuProcess');
  await page.waitForSelector(`${id('error')}:not([hidden])`, { timeout: 60_000 });
  assert.match(await page.textContent(id('error')) ?? '', /^The GPU device was lost: /);
  assert.match(await page.textContent(id('progress')) ?? '', /failed/);
  await shot(page, '11-device-lost');
  await page.click(id('restart'));
  await page.waitForSelector(id('scene-picture'), { timeout: 60_000 });
  assert.ok(await page.isHidden(id('error')), 'the error is gone after the restart');
  const cards = await page.locator(id('run-card')).count();
  await run('detect', 'rx');
  await settled();
  const why = `${await page.textContent(id('progress'))} ${await page.textContent(id('error'))}`;
  assert.is(await page.locator(id('run-card')).count(), cards + 1, `a run after the restart gives a card (${why})`);
  assert.match(await page.locator(id('result-metrics')).first().textContent() ?? '', /^AUC\(D,F\) 0\.\d{7}/);
  await shot(page, '12-after-restart');
});

test('Chromium without WebGPU: the page says which browsers and flags enable it', async () => {
  const plain = await launch(false);
  try {
    const p = await openApp(plain, session.origin);
    await p.page.waitForSelector(`${id('error')}:not([hidden])`, { timeout: 60_000 });
    const text = await p.page.textContent(id('error')) ?? '';
    assert.match(text, /WebGPU is needed/);
    assert.match(text, /--enable-unsafe-webgpu/);
    assert.ok(await p.page.isDisabled(id('file-input')), 'no file can be opened without a GPU');
    await shot(p.page, '7-no-webgpu');
  } finally {
    await plain.close();
  }
});

test.run();

// Node only: a model module works when it is all a program imports. The engine must not depend
// on some barrel (src/index.ts, src/ops/index.ts) having run first: before issue 17 the tape got
// its add and ones from src/ops/index.ts, and a program importing a model alone threw at backward.
// Each test bundles a small program on its own (the build's esbuild options), checks that no
// barrel made it into the bundle, runs it in a child process, and requires the same losses (and
// weights), bit for bit, as the same steps in this process, where every module is loaded.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from '../harness/gpu.ts';
import { synthScene } from '../../src/data/synth.ts';
import { trainBs3lnet } from '../../src/models/bs3train.ts';
import { trainSteps } from './standalone-train.ts';

const test = suite('models/standalone');
const exec = promisify(execFile);
const root = process.cwd();

/** esbuild and the shared options, loaded at run time (never bundled into the test bundle). */
async function esbuildWithOptions() {
  const load = (p: string) => import(/* @vite-ignore */ pathToFileURL(path.join(root, p)).href);
  const [esbuild, config] = await Promise.all([load('node_modules/esbuild/lib/main.js'), load('scripts/esbuild-config.mjs')]);
  return { build: esbuild.build ?? esbuild.default.build, options: config.baseOptions('node') };
}

const BARRELS = ['src/index.ts', 'src/ops/index.ts', 'src/nn/index.ts', 'src/models/index.ts'];

/** Bundles `imports` + `body` alone, checks no barrel is in it, runs it and parses its last stdout line. */
async function runAlone(imports: string[], body: string[], mustInclude: string[]): Promise<unknown> {
  // Inside the checkout, so that the bundle finds the native webgpu package in node_modules.
  const dir = mkdtempSync(path.join(root, 'dist', 'standalone-'));
  try {
    const { build, options } = await esbuildWithOptions();
    const outfile = path.join(dir, 'standalone.mjs');
    const contents = [
      ...imports.map((line) => line.replace(/'(\.\/[^']+)'/, (_, rel: string) => JSON.stringify(path.join(root, rel)))),
      'const gpu = await createGpu();',
      ...body,
      'process.stdout.write(JSON.stringify(r) + "\\n", () => process.exit(0));',
    ].join('\n');
    const result = await build({ ...options, stdin: { contents, resolveDir: root, sourcefile: 'standalone-entry.ts', loader: 'ts' }, outfile, metafile: true });
    const inputs = Object.keys(result.metafile.inputs);
    for (const barrel of BARRELS) assert.not.ok(inputs.includes(barrel), `the bundle must not contain ${barrel}: then it would not test import order`);
    for (const want of ['src/autograd/tape.ts', ...mustInclude]) assert.ok(inputs.includes(want), `bundle inputs: ${inputs.join(', ')}`);
    const { stdout } = await exec(process.execPath, [outfile], { cwd: root });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a BS3LNet program importing only its own modules trains, with the same bits as with every module loaded', async () => {
  const alone = await runAlone(
    ["import { createGpu } from './src/gpu/device.ts';", "import { trainSteps } from './test/models/standalone-train.ts';"],
    ['const r = await trainSteps(gpu);'], ['src/models/bs3lnet.ts'],
  ) as { losses: number[]; weights: number[] };
  assert.is(alone.losses.length, 2);
  assert.ok(alone.losses.every(Number.isFinite), `losses ${alone.losses}`);
  const here = await trainSteps(await testGpu());
  assert.equal(alone, here, 'the standalone program and the full library compute the same bits');
});

test('trainBs3lnet imported alone (src/models/bs3train.ts, as issue 17 reported) trains, with the same losses as here', async () => {
  const scene = { rows: 20, cols: 18, bands: 10, anomalies: 2, seed: 3 };
  const alone = await runAlone(
    ["import { createGpu } from './src/gpu/device.ts';", "import { synthScene } from './src/data/synth.ts';", "import { trainBs3lnet } from './src/models/bs3train.ts';"],
    [`const t = await trainBs3lnet(gpu, synthScene(${JSON.stringify(scene)}).cube, { epochs: 2 });`, 'const r = t.losses;'], ['src/models/bs3train.ts'],
  ) as number[];
  assert.is(alone.length, 2);
  assert.ok(alone.every(Number.isFinite), `losses ${alone}`);
  const here = await trainBs3lnet(await testGpu(), synthScene(scene).cube, { epochs: 2 });
  here.model.dispose();
  assert.equal(alone, here.losses);
});

test.run();

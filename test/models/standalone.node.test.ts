// Node only: a model module works when it is all a program imports. The engine must not depend
// on some barrel (src/index.ts, src/ops/index.ts) having run first: before issue 17 the tape got
// its add and ones from src/ops/index.ts, and a program importing a model alone threw at backward.
// The test bundles test/models/standalone-train.ts on its own (the build's esbuild options),
// checks that no barrel made it into the bundle, runs it in a child process, and requires the
// same losses and weights, bit for bit, as the same steps in this process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from '../harness/gpu.ts';
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

test('a BS3LNet program importing only its own modules trains, with the same bits as with every module loaded', async () => {
  // Inside the checkout, so that the bundle finds the native webgpu package in node_modules.
  const dir = mkdtempSync(path.join(root, 'dist', 'standalone-'));
  try {
    const { build, options } = await esbuildWithOptions();
    const outfile = path.join(dir, 'standalone.mjs');
    const contents = [
      `import { createGpu } from ${JSON.stringify(path.join(root, 'src/gpu/device.ts'))};`,
      `import { trainSteps } from ${JSON.stringify(path.join(root, 'test/models/standalone-train.ts'))};`,
      'const gpu = await createGpu();',
      'const r = await trainSteps(gpu);',
      'process.stdout.write(JSON.stringify(r) + "\\n", () => process.exit(0));',
    ].join('\n');
    const result = await build({ ...options, stdin: { contents, resolveDir: root, sourcefile: 'standalone-entry.ts', loader: 'ts' }, outfile, metafile: true });
    const inputs = Object.keys(result.metafile.inputs);
    for (const barrel of ['src/index.ts', 'src/ops/index.ts', 'src/nn/index.ts', 'src/models/index.ts']) {
      assert.not.ok(inputs.includes(barrel), `the bundle must not contain ${barrel}: then it would not test import order`);
    }
    assert.ok(inputs.includes('src/models/bs3lnet.ts') && inputs.includes('src/autograd/tape.ts'), `bundle inputs: ${inputs.join(', ')}`);
    const { stdout } = await exec(process.execPath, [outfile], { cwd: root });
    const alone = JSON.parse(stdout.trim().split('\n').pop()!) as { losses: number[]; weights: number[] };
    assert.is(alone.losses.length, 2);
    assert.ok(alone.losses.every(Number.isFinite), `losses ${alone.losses}`);
    const here = await trainSteps(await testGpu());
    assert.equal(alone, here, 'the standalone program and the full library compute the same bits');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

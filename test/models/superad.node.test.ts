/**
 * Super-AD on a scene larger than one storage binding (docs/superad.md#large-scenes): the full
 * San Diego size, 400 × 400 × 224 (143 MB of f32 against lavapipe's 128 MiB binding limit), made
 * by `hsi synth` and run by `hsi detect --model superad` for one step, every pixel scored. In a
 * process of its own, as a user runs it: the run holds about 2.7 GB, which the shared test
 * process should not carry into the tests after it. Node only: Chromium's SwiftShader binds 1 GiB,
 * so there the cube fits one tensor and the split is covered by superad.chunks.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readNpy } from '../../src/data/npy.ts';
import { hsi } from '../harness/cli.ts';
import { testGpu } from '../harness/gpu.ts';

const test = suite('models/superad.node');

test('hsi detect --model superad on a 400 × 400 × 224 cube: split by bands where it exceeds the binding, every pixel scored', async () => {
  const limit = (await testGpu()).limits.maxStorageBufferBindingSize;
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-superad-large-'));
  try {
    const file = path.join(dir, 'large.mat');
    await hsi(['synth', '--rows', '400', '--cols', '400', '--bands', '224', '--anomalies', '20', '--seed', '3', '--out', file]);
    const out = path.join(dir, 'out');
    const { stdout } = await hsi(['detect', file, '--model', 'superad', '--steps', '1', '--out', out, '--json']);
    const s = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal([s.rows, s.cols, s.bands, s.settings.stepsRun], [400, 400, 224, 1]);
    const bytes = 400 * 400 * 224 * 4;
    if (bytes > limit) assert.ok(s.settings.bandChunks >= 2, `${s.settings.bandChunks} band chunks for ${bytes} bytes against a ${limit}-byte binding`);
    else assert.is(s.settings.bandChunks, 1);
    const scores = readNpy(readFileSync(path.join(out, s.files.scoresNpy)));
    assert.equal(scores.shape, [400, 400]);
    assert.ok(Array.from(scores.data as Float32Array).every((v) => Number.isFinite(v) && v >= 0), 'finite, non-negative scores');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

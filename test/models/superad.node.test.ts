/**
 * Super-AD on a scene larger than one storage binding (docs/superad.md#large-scenes): the full
 * San Diego size, 400 × 400 × 224 (143 MB of f32 against lavapipe's 128 MiB binding limit), trains
 * a step and scores every pixel. Node only: Chromium's SwiftShader binds 1 GiB, so there the cube
 * fits one tensor and the split is covered by superad.chunks.test.ts with a forced limit.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { synthScene } from '../../src/data/synth.ts';
import { superAdScores, trainSuperAd } from '../../src/models/superadtrain.ts';
import { testGpu } from '../harness/gpu.ts';

const test = suite('models/superad.node');

test('a 400 × 400 × 224 cube: split by bands where it exceeds the binding, one step, every pixel scored', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 400, cols: 400, bands: 224, anomalies: 20, seed: 3 });
  const bytes = cube.data.byteLength;
  const r = await trainSuperAd(gpu, cube, { steps: 1, seed: 1 });
  const split = Array.isArray(r.input);
  assert.is(split, bytes > gpu.limits.maxStorageBufferBindingSize, `${bytes} bytes against a binding limit of ${gpu.limits.maxStorageBufferBindingSize}`);
  assert.ok(Number.isFinite(r.losses[0]));
  const s = await superAdScores(r);
  assert.is(s.length, 400 * 400);
  assert.ok(s.every((v) => Number.isFinite(v) && v >= 0), 'finite, non-negative scores');
  r.dispose();
});

test.run();

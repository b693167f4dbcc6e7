// The error classes: one base (HsiError) for every error a user can cause; GpuError only for the
// GPU layer; misuse that has nothing to do with the GPU (options, schedules, presets) is an
// OptionError, data problems a DataError, and neither is a GpuError.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CosineAnnealingLR, DataError, GpuError, GpuUsageError, HsiError, makeCube, OptionError, SafetensorsError, SGD, tensor } from '../src/index.ts';
import { testGpu, throwsLike } from './harness/gpu.ts';

const test = suite('errors');

test('the hierarchy: HsiError ⊃ GpuError ⊃ GpuUsageError; OptionError, DataError and SafetensorsError are HsiErrors, not GpuErrors', () => {
  for (const [E, gpu] of [[GpuUsageError, true], [OptionError, false], [SafetensorsError, false]] as const) {
    const e = new E('op', 'what: expected 1, got 2');
    assert.instance(e, HsiError);
    assert.is(e instanceof GpuError, gpu, `${E.name} instanceof GpuError`);
    assert.is(e.name, E.name);
    assert.is(e.message, 'op: what: expected 1, got 2');
    assert.is(e.op, 'op');
  }
  const d = new DataError('scene.mat', 'truncated', 'download it again');
  assert.instance(d, HsiError);
  assert.not.instance(d, GpuError);
  assert.equal([d.name, d.message, d.op], ['DataError', 'scene.mat: truncated; download it again', 'scene.mat']);
  assert.is(new DataError('x', 'y').message, 'x: y');
});

test('misuse unrelated to the GPU raises OptionError; a DataError from a reader is an HsiError', async () => {
  const gpu = await testGpu();
  const p = tensor(gpu, [1, 2]);
  const opt = new SGD([p], { lr: 0.1 });
  const e = throwsLike(() => new CosineAnnealingLR(opt, { tMax: 0 }), OptionError, /CosineAnnealingLR: tMax: expected a positive integer, got 0/);
  assert.not.instance(e, GpuError);
  const d = throwsLike(() => makeCube('x', 0, 1, 1, new Float32Array(0)), DataError, /x: rows: expected a positive integer, got 0/);
  assert.instance(d, HsiError);
  p.dispose();
});

test.run();

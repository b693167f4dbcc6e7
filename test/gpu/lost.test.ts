import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import { createGpu, DeviceLostError } from '../../src/index.ts';
import { rejects, throwsLike } from '../harness/gpu.ts';

const test = suite('gpu/lost');
const spec = { file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: hung for ${ms} ms`)), ms))]);
}

test('after the device is lost every op throws a clear DeviceLostError', async () => {
  const gpu = await createGpu();
  const k = gpu.kernel(spec);
  const [x, w, y] = [gpu.buffer(64, 'x'), gpu.buffer(64, 'w'), gpu.buffer(64, 'y')];
  gpu.destroy();
  const info = await withTimeout(gpu.lost, 5000, 'device.lost');
  assert.is(info.reason, 'destroyed');
  assert.ok(gpu.isLost);
  const lost = /GPU device lost \(reason: destroyed.*create a new engine with createGpu\(\)/;
  throwsLike(() => k.dispatch({ x, w, y }, { rows: 4, cols: 4, bias: 0 }, [1]), DeviceLostError, lost);
  throwsLike(() => gpu.buffer(16), DeviceLostError, lost);
  throwsLike(() => gpu.kernel({ ...spec, entry: 'selfcheck_accumulate' }), DeviceLostError, lost);
  await rejects(withTimeout(gpu.read(y), 5000, 'read'), DeviceLostError, lost);
  await rejects(withTimeout(gpu.sync(), 5000, 'sync'), DeviceLostError, lost);
});

test('a readback in flight when the device is lost rejects instead of hanging', async () => {
  const gpu = await createGpu();
  const k = gpu.kernel(spec);
  const [x, w, y] = [gpu.buffer(4096, 'x'), gpu.buffer(64, 'w'), gpu.buffer(4096, 'y')];
  k.dispatch({ x, w, y }, { rows: 1024, cols: 4, bias: 0 }, k.grid1d(1024));
  const pending = gpu.read(y);
  gpu.destroy();
  await rejects(withTimeout(pending, 5000, 'pending read'), DeviceLostError, /read\(y\): GPU device lost/);
});

test.run();

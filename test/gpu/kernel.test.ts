import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import { GpuUsageError, KernelCompileError, GpuValidationError, selfCheck } from '../../src/index.ts';
import { assertClose, rejects, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { rowDot, rowDotTolerance } from '../ref/selfcheck.ts';

const test = suite('gpu/kernel');
const forward = { file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' };

async function runRowDot(rows: number, cols: number, overrides?: Record<string, number>): Promise<[Float32Array, Float64Array]> {
  const gpu = await testGpu();
  const k = gpu.kernel({ ...forward, overrides });
  const x = uniform(rows * cols, rows + cols);
  const w = uniform(cols, 7);
  const [bx, bw, by] = [gpu.buffer(x.byteLength, 'x'), gpu.buffer(w.byteLength, 'w'), gpu.buffer(rows * 4, 'y')];
  gpu.write(bx, x);
  gpu.write(bw, w);
  k.dispatch({ x: bx, w: bw, y: by }, { rows, cols, bias: -0.5 }, k.grid1d(rows));
  const got = new Float32Array(await gpu.read(by));
  [bx, bw, by].forEach((b) => gpu.release(b));
  return [got, rowDot(x, w, rows, cols, -0.5)];
}

test('selfcheck_forward matches the float64 reference on sizes off the workgroup grid', async () => {
  for (const [rows, cols] of [[1, 1], [63, 5], [1000, 13], [4097, 70]]) {
    const [got, want] = await runRowDot(rows, cols);
    assertClose(`selfcheck_forward ${rows}x${cols}`, got, want, rowDotTolerance(cols));
  }
});

test('override constants change the workgroup size and the pipeline, not the result', async () => {
  const gpu = await testGpu();
  for (const WG of [8, 100]) {
    const k = gpu.kernel({ ...forward, overrides: { WG } });
    assert.equal(k.workgroupSize, [WG, 1, 1]);
    const [got, want] = await runRowDot(777, 9, { WG });
    assertClose(`selfcheck_forward WG=${WG}`, got, want, rowDotTolerance(9));
  }
  assert.is(gpu.kernel({ ...forward, overrides: { WG: 8 } }), gpu.kernel({ ...forward, overrides: { WG: 8 } }), 'cached by overrides');
  assert.is.not(gpu.kernel({ ...forward, overrides: { WG: 8 } }), gpu.kernel(forward));
  assert.equal(gpu.kernel(forward).workgroupSize, [64, 1, 1], 'default read from the WGSL');
});

test('grids beyond 65,535 workgroups fold into y and still cover every element', async () => {
  const gpu = await testGpu();
  const k = gpu.kernel({ ...forward, overrides: { WG: 8 } });
  const rows = 65_535 * 8 + 1001;
  assert.ok(k.grid1d(rows)[1] > 1, 'the grid folds');
  const [got, want] = await runRowDot(rows, 1, { WG: 8 });
  assertClose('selfcheck_forward folded grid', got, want, rowDotTolerance(1));
});

const broken = `// a deliberate error on line 4
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(1) fn broken_forward() {
  let v: f32 = 1.0 +;
  y[0] = v;
}`;

test('a WGSL error names the file, entry and line:col (eager compile)', async () => {
  const gpu = await testGpu();
  const e = await rejects(gpu.compile({ file: 'broken.wgsl', source: broken, entry: 'broken_forward' }), KernelCompileError, /broken\.wgsl:4:\d+ error/);
  assert.match(e.message, 'let v: f32 = 1.0 +;', 'quotes the offending line');
});

test('a WGSL error surfaces at the next sync, and later dispatches throw it at once', async () => {
  const gpu = await testGpu();
  const src = broken.replace('broken_forward', 'broken_lazy');
  const k = gpu.kernel({ file: 'broken-lazy.wgsl', source: src, entry: 'broken_lazy' });
  const y = gpu.buffer(4, 'y');
  k.dispatch({ y }, {}, [1]);
  await rejects(gpu.sync(), KernelCompileError, /broken-lazy\.wgsl:4:\d+/);
  throwsLike(() => k.dispatch({ y }, {}, [1]), KernelCompileError, /broken-lazy\.wgsl:4:\d+/);
  gpu.release(y);
  const ok = await selfCheck(gpu, 100, 3);
  assert.ok(ok.ok, 'the engine keeps working after the error');
});

test('a validation error caught by the error scope names the kernel, and the engine recovers', async () => {
  const gpu = await testGpu();
  const src = `@group(0) @binding(0) var<storage, read_write> v: array<vec4<f32>>;
@compute @workgroup_size(1) fn wide_forward() { v[0] = vec4f(1.0); }`;
  const k = gpu.kernel({ file: 'wide.wgsl', source: src, entry: 'wide_forward' });
  const small = gpu.buffer(4, 'too small for vec4');
  k.dispatch({ v: small }, {}, [1]);
  await rejects(gpu.sync(), GpuValidationError, /kernel wide\.wgsl:wide_forward/);
  gpu.release(small);
  assert.ok((await selfCheck(gpu, 100, 3)).ok, 'the next batch is clean');
});

test('bad bindings and params throw at the op, before any GPU work is recorded', async () => {
  const gpu = await testGpu();
  const k = gpu.kernel(forward);
  const [x, w, y] = [gpu.buffer(64, 'x'), gpu.buffer(64, 'w'), gpu.buffer(64, 'y')];
  const before = gpu.stats().dispatches;
  const ok = { rows: 4, cols: 4, bias: 0 };
  throwsLike(() => k.dispatch({ x, w }, ok, [1]), GpuUsageError, /buffer y: expected a DeviceBuffer, got none/);
  throwsLike(() => k.dispatch({ x, w, y, z: y }, ok, [1]), GpuUsageError, /buffer z: expected one of x, w, y/);
  throwsLike(() => k.dispatch({ x, w, y }, { rows: 4, cols: 4 }, [1]), GpuUsageError, /params\.bias: expected a value, got none/);
  throwsLike(() => k.dispatch({ x, w, y }, { ...ok, bias: NaN }, [1]), GpuUsageError, /params\.bias: expected a finite f32, got NaN/);
  throwsLike(() => k.dispatch({ x, w, y }, { ...ok, rows: -1 }, [1]), GpuUsageError, /params\.rows: expected a u32, got -1/);
  throwsLike(() => k.dispatch({ x, w, y }, { ...ok, depth: 1 }, [1]), GpuUsageError, /params\.depth: expected one of rows, cols, bias/);
  throwsLike(() => k.dispatch({ x, w, y }, ok, [70_000]), Error, /maxComputeWorkgroupsPerDimension: expected at least 70000, got 65535/);
  throwsLike(() => k.dispatch({ x: y, w, y }, ok, [1]), GpuUsageError, /buffer y: expected a buffer not also bound as x/);
  throwsLike(() => gpu.kernel({ ...forward, entry: 'nope' }), GpuUsageError, /entry point: expected one of selfcheck_forward, selfcheck_accumulate, got nope/);
  throwsLike(() => gpu.kernel({ ...forward, overrides: { TILE: 4 } }), GpuUsageError, /override TILE: expected one of \[WG\]/);
  gpu.release(x);
  throwsLike(() => k.dispatch({ x, w, y }, ok, [1]), GpuUsageError, /buffer x: expected a live buffer, got one already released/);
  assert.is(gpu.stats().dispatches, before, 'nothing was recorded');
  [w, y].forEach((b) => gpu.release(b));
});

test.run();

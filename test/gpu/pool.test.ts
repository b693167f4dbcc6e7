import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import { createGpu, GpuLimitError, GpuUsageError } from '../../src/index.ts';
import { sizeClass } from '../../src/gpu/pool.ts';
import { rejects, testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('gpu/pool');

test('size classes hold the request with at most 25% slack and never shrink', () => {
  let prev = 0;
  for (let bytes = 0; bytes < 1 << 20; bytes = Math.floor(bytes * 1.07) + 3) {
    const c = sizeClass(bytes);
    assert.ok(c >= bytes && c >= prev, `class of ${bytes} is ${c}`);
    if (bytes > 256) assert.ok(c <= bytes * 1.25 + 4, `class of ${bytes} is ${c}: too much slack`);
    prev = c;
  }
  assert.is(sizeClass(4097), sizeClass(5000), 'nearby sizes share a class');
});

test('a released buffer is reused by the next request of its class', async () => {
  const gpu = await testGpu();
  const a = gpu.buffer(3000, 'a');
  gpu.release(a);
  const s0 = gpu.stats();
  const b = gpu.buffer(2900, 'b');
  const s1 = gpu.stats();
  assert.is(b.buffer, a.buffer);
  assert.is(s1.allocations, s0.allocations);
  assert.is(s1.reuses, s0.reuses + 1);
  assert.is(s1.liveBytes - s0.liveBytes, b.capacity);
  assert.is(s0.pooledBytes - s1.pooledBytes, b.capacity);
  gpu.release(b);
  throwsLike(() => gpu.release(b), GpuUsageError, /already released/);
});

test('a buffer beyond maxBufferSize is refused naming the limit', async () => {
  const gpu = await testGpu();
  const max = gpu.limits.maxBufferSize;
  throwsLike(() => gpu.buffer(max + 1, 'huge cube'), GpuLimitError, /huge cube.*limit maxBufferSize: expected at least \d+, got \d+; .*tiles/);
  throwsLike(() => gpu.buffer(-4), GpuUsageError, /expected a non-negative integer/);
});

test('over the bound the pool destroys the buffers idle longest, so a size in use keeps being reused', async () => {
  const gpu = await createGpu({ maxPooledBytes: 4096 });
  try {
    // An earlier phase leaves the pool full of a size no longer used ...
    const old = Array.from({ length: 4 }, (_, i) => gpu.buffer(1024, `old${i}`));
    old.forEach((b) => gpu.release(b));
    const before = gpu.stats();
    // ... and a training loop then uses another size, step after step.
    for (let step = 0; step < 10; step++) gpu.release(gpu.buffer(512, 'step'));
    const s = gpu.stats();
    assert.is(s.allocations - before.allocations, 1, 'one 512-byte buffer, reused by every later step');
    assert.is(s.destroyed - before.destroyed, 1, 'one old 1 KiB buffer made room for it');
    assert.is(s.pooledBytes, 3 * 1024 + 512);
    // The old size still gets what is left of its class.
    gpu.release(gpu.buffer(1024, 'again'));
    assert.is(gpu.stats().allocations, s.allocations);
    await gpu.sync();
  } finally {
    gpu.destroy();
  }
});

test('the pool keeps at most maxPooledBytes idle and destroys the rest', async () => {
  const gpu = await createGpu({ maxPooledBytes: 4096 });
  try {
    const bufs = Array.from({ length: 8 }, (_, i) => gpu.buffer(1024, `b${i}`));
    bufs.forEach((b) => gpu.release(b));
    const s = gpu.stats();
    assert.is(s.pooledBytes, 4096);
    assert.is(s.destroyed, 4);
    assert.is(s.liveBytes, 0);
    gpu.pool.trim();
    assert.is(gpu.stats().pooledBytes, 0);
    await gpu.sync();
  } finally {
    gpu.destroy();
  }
});

test('10,000 small dispatches without readback complete, and live bytes return to the start', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const start = gpu.stats();
  const n = 1000;
  const k = gpu.kernel({ file: 'selfcheck.wgsl', source, entry: 'selfcheck_accumulate' });
  const x = gpu.buffer(n * 4, 'ones');
  const y = gpu.buffer(n * 4, 'sum');
  gpu.write(x, new Float32Array(n).fill(1));
  gpu.write(y, new Float32Array(n));
  for (let i = 0; i < 10_000; i++) {
    // A scratch buffer per step exercises acquire/release under a long unsubmitted batch.
    const scratch = gpu.buffer(n * 4, 'scratch');
    k.dispatch({ x, y: scratch }, { n, alpha: 0 }, k.grid1d(n));
    k.dispatch({ x, y }, { n, alpha: 1 }, k.grid1d(n));
    gpu.release(scratch);
  }
  const sum = new Float32Array(await gpu.read(y));
  assert.ok(sum.every((v) => v === 10_000), `every element is 10,000 (got ${sum[0]}, ${sum[n - 1]})`);
  const s = gpu.stats();
  assert.is(s.dispatches - start.dispatches, 20_000);
  assert.ok(s.submits - start.submits < 200, `batched: ${s.submits - start.submits} submits for 20,000 dispatches`);
  assert.is(s.allocations - start.allocations <= 3, true, 'scratch buffers come from the pool');
  gpu.release(x);
  gpu.release(y);
  assert.is(gpu.stats().liveBytes, start.liveBytes);
  assert.is(gpu.stats().liveBuffers, start.liveBuffers);
});

test('reading a released buffer is refused', async () => {
  const gpu = await testGpu();
  const b = gpu.buffer(16, 'gone');
  gpu.release(b);
  await rejects(gpu.read(b), GpuUsageError, /read\(gone\): buffer: expected a live buffer/);
});

test('an empty buffer reads back as an empty ArrayBuffer', async () => {
  const gpu = await testGpu();
  const b = gpu.buffer(0, 'empty');
  assert.is((await gpu.read(b)).byteLength, 0);
  gpu.release(b);
});

test.run();

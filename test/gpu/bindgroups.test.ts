import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import type { Gpu } from '../../src/index.ts';
import { BIND_GROUP_CAPACITY, BindGroupCache } from '../../src/gpu/bindgroups.ts';
import type { DeviceBuffer } from '../../src/gpu/pool.ts';
import { assertClose, testGpu, uniform } from '../harness/gpu.ts';
import { rowDot, rowDotTolerance } from '../ref/selfcheck.ts';

const test = suite('gpu/bindgroups');
const forward = { file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' };
const fake = (n: number): GPUBindGroup[] => [{ label: `g${n}` } as unknown as GPUBindGroup];

test('the cache keeps the most recently used keys under its bound', () => {
  const c = new BindGroupCache(3);
  let made = 0;
  const get = (k: string): string => c.get(k, () => fake(made++))[0].label;
  assert.is(get('a'), 'g0');
  assert.is(get('b'), 'g1');
  assert.is(get('c'), 'g2');
  assert.is(get('a'), 'g0', 'a hit returns the cached groups');
  assert.is(get('d'), 'g3', 'a miss creates');
  assert.is(c.size, 3, 'never more than the bound');
  assert.is(get('a'), 'g0', 'a was used after b: it stayed');
  assert.is(get('b'), 'g4', 'b was the least recently used: evicted, so made again');
  assert.equal(c.counts, { bindGroupsCreated: 5, bindGroupsReused: 2, bindGroupsEvicted: 2, garbageCollections: 0 });
});

test('with a host collector, the cache collects garbage after every capacity / 2 evictions', () => {
  let collected = 0;
  const c = new BindGroupCache(4, () => collected++);
  for (let k = 0; k < 4; k++) c.get(`k${k}`, () => fake(k));
  assert.is(collected, 0, 'filling the cache evicts nothing');
  for (let k = 4; k < 10; k++) c.get(`k${k}`, () => fake(k));
  assert.is(c.counts.bindGroupsEvicted, 6);
  assert.is(collected, 3, 'after the 2nd, 4th and 6th eviction');
  assert.is(c.counts.garbageCollections, 3);
});

/** Six pipelines × 24 × 24 buffer pairs: more bind groups than the device keeps, and than 512 per kernel would. */
test('one bound for all kernels of a device; evicted groups are made again and compute the same', async () => {
  const gpu = await testGpu();
  const [rows, cols] = [5, 3];
  const xs = Array.from({ length: 24 }, (_, i) => upload(gpu, uniform(rows * cols, 100 + i)));
  const ws = Array.from({ length: 24 }, (_, i) => upload(gpu, uniform(cols, 200 + i)));
  const y = gpu.buffer(rows * 4, 'y');
  const before = gpu.stats();
  const kernels = [8, 16, 24, 32, 40, 48].map((WG) => gpu.kernel({ ...forward, overrides: { WG } }));
  for (const k of kernels) for (const bx of xs) for (const bw of ws) k.dispatch({ x: bx.buf, w: bw.buf, y }, { rows, cols, bias: 0.25 }, k.grid1d(rows));
  await gpu.sync();
  const after = gpu.stats();
  assert.ok(after.bindGroups <= BIND_GROUP_CAPACITY, `bind groups cached: expected ≤ ${BIND_GROUP_CAPACITY}, got ${after.bindGroups}`);
  assert.ok(after.bindGroupsCreated - before.bindGroupsCreated >= 6 * 24 * 24, 'every distinct pair made its group');
  // The first pairs of the first kernel were evicted long ago: they are made again and still right.
  const k = kernels[0];
  k.dispatch({ x: xs[0].buf, w: ws[0].buf, y }, { rows, cols, bias: 0.25 }, k.grid1d(rows));
  assertClose('selfcheck_forward after eviction', new Float32Array(await gpu.read(y)), rowDot(xs[0].data, ws[0].data, rows, cols, 0.25), rowDotTolerance(cols));
  assert.is(gpu.stats().bindGroupsCreated, after.bindGroupsCreated + 1, 'an evicted pair is made again');
  for (const b of [...xs, ...ws]) gpu.release(b.buf);
  gpu.release(y);
});

function upload(gpu: Gpu, data: Float32Array): { buf: DeviceBuffer; data: Float32Array } {
  const buf = gpu.buffer(data.byteLength, 'in');
  gpu.write(buf, data);
  return { buf, data };
}

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGpu, describeGpu, GpuLimitError, GpuUnavailableError, OPTIONAL_FEATURES, type Platform } from '../../src/index.ts';
import { rejects, testGpu } from '../harness/gpu.ts';

const test = suite('gpu/device');

test('the device gets the adapter\'s maximum buffer and storage-binding sizes', async () => {
  const gpu = await testGpu();
  assert.is(gpu.limits.maxBufferSize, gpu.adapter.limits.maxBufferSize);
  assert.is(gpu.limits.maxStorageBufferBindingSize, gpu.adapter.limits.maxStorageBufferBindingSize);
  assert.ok(gpu.limits.maxStorageBufferBindingSize >= 128 * 2 ** 20, 'at least the WebGPU default of 128 MiB');
});

test('every optional feature the adapter has is enabled, and no other', async () => {
  const gpu = await testGpu();
  for (const f of OPTIONAL_FEATURES) assert.is(gpu.features.has(f), gpu.adapter.features.has(f), f);
});

test('a required limit above the adapter\'s names the limit, value and need', async () => {
  const gpu = await testGpu();
  const have = gpu.adapter.limits.maxStorageBufferBindingSize;
  const e = await rejects(createGpu({ requiredLimits: { maxStorageBufferBindingSize: have + 4 } }), GpuLimitError, /maxStorageBufferBindingSize/);
  assert.match(e.message, `expected at least ${have + 4}, got ${have}`);
});

function fakePlatform(gpu: GPU | null): Platform {
  return { name: 'node', gpu: () => gpu, installHelp: 'INSTALL-ADVICE', backend: 'fake', versions: () => ({}), env: () => undefined };
}

test('no WebGPU at all: a clear error with install advice, no CPU fallback', async () => {
  await rejects(createGpu({ platform: fakePlatform(null) }), GpuUnavailableError, /no WebGPU[\s\S]*INSTALL-ADVICE/);
});

test('WebGPU without an adapter: a clear error with install advice', async () => {
  const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
  await rejects(createGpu({ platform: fakePlatform(noAdapter) }), GpuUnavailableError, /no adapter[\s\S]*INSTALL-ADVICE/);
});

test('describeGpu reports adapter, backend, limits, features and versions', async () => {
  const d = describeGpu(await testGpu());
  assert.is(d.package.name, 'hsi-gpu');
  assert.match(d.package.version, /^\d+\.\d+\.\d+/);
  assert.ok(typeof d.adapter.vendor === 'string');
  assert.ok(d.backend.length > 0);
  assert.ok(d.limits.maxComputeWorkgroupsPerDimension >= 65535);
  assert.ok(Object.keys(d.versions).length > 0);
  assert.equal(d.features, [...d.features].sort());
});

test.run();

// WebGPU errors caught in the recorder's error scopes become ours at the next sync, by kind:
// out-of-memory → GpuOutOfMemoryError, validation → GpuValidationError. Real out-of-memory needs
// gigabytes on lavapipe, so the device's popErrorScope hands back an error of each kind once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGpu, GpuOutOfMemoryError, GpuValidationError, type Gpu } from '../../src/gpu/index.ts';
import { tensor } from '../../src/ops/fill.ts';
import { neg } from '../../src/ops/unary.ts';
import { rejects } from '../harness/gpu.ts';

const test = suite('gpu/errors');

// Named as WebGPU names them: the recorder tells the kinds apart by class name and message.
class GPUOutOfMemoryError {
  constructor(readonly message: string) {}
}
class GPUValidationError {
  constructor(readonly message: string) {}
}

/** Makes the next popErrorScope of `gpu`'s device resolve with `error` (once). */
function injectNext(gpu: Gpu, error: object): void {
  const device = gpu.device;
  const pop = device.popErrorScope.bind(device);
  let pending: object | null = error;
  Object.defineProperty(device, 'popErrorScope', {
    configurable: true,
    value: () => {
      const p = pop();
      if (!pending) return p;
      const e = pending;
      pending = null;
      return p.then(() => e);
    },
  });
}

test('an out-of-memory error in a batch rejects the next read with GpuOutOfMemoryError and the way out', async () => {
  const gpu = await createGpu();
  const x = tensor(gpu, [1, 2, 3]);
  const y = neg(x);
  injectNext(gpu, new GPUOutOfMemoryError('Out of memory creating a storage buffer'));
  const e = await rejects(y.data(), GpuOutOfMemoryError, /out of GPU memory: Out of memory creating .*; release tensors or process smaller tiles/);
  assert.not.instance(e, GpuValidationError);
  // The error was reported once: the engine carries on.
  assert.equal(Array.from(await neg(x).data()), [-1, -2, -3]);
  gpu.destroy();
});

test('a message saying "out of memory" maps to GpuOutOfMemoryError; other errors to GpuValidationError', async () => {
  const gpu = await createGpu();
  const x = tensor(gpu, [1, 2]);
  injectNext(gpu, new GPUValidationError('Allocation failed: out of memory (VK_ERROR_OUT_OF_DEVICE_MEMORY)'));
  await rejects(neg(x).data(), GpuOutOfMemoryError, /out of GPU memory: Allocation failed/);
  injectNext(gpu, new GPUValidationError('Binding size is larger than the buffer'));
  const e = await rejects(neg(x).data(), GpuValidationError, /WebGPU validation failed: Binding size is larger than the buffer/);
  assert.not.instance(e, GpuOutOfMemoryError);
  gpu.destroy();
});

test.run();

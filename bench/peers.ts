/**
 * The TF.js peers in Node: WebGPU on the engine's own Dawn instance and wasm SIMD on one
 * thread, loaded once per benchmark process. Node-only (it finds the wasm backend's files on
 * disk); scripts/bench-browser.mjs bundles peers.browser.ts in its place.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeGpu, type Gpu } from '../src/index.ts';

/** Tells the runner which adapter this benchmark measures (loadPeers does it too). */
export function announce(gpu: Gpu): void {
  console.log(`@@bench-adapter ${JSON.stringify(describeGpu(gpu).adapter)}`);
}

/** TF.js WebGPU looks for navigator.gpu when its module loads: hand it the engine's Dawn instance. */
export async function loadPeers(gpu: Gpu): Promise<('webgpu' | 'wasm')[]> {
  announce(gpu);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpu.platform.gpu() }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1); // submit each dispatch, so a queue wait is a sync
  const require = createRequire(import.meta.url);
  const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist`;
  // Its Emscripten loader reads the CommonJS __dirname, which an ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname ??= wasmDir;
  setWasmPaths(`${wasmDir}/`);
  return process.env.BENCH_PEERS === '0' ? [] : ['webgpu', 'wasm'];
}

/** Switches TF.js to `backend`; returns a sync that waits for its queued GPU work (a no-op on wasm). */
export async function tfBackend(backend: 'webgpu' | 'wasm'): Promise<() => Promise<void>> {
  if (!(await tf.setBackend(backend))) throw new Error(`bench: TF.js backend ${backend} failed to initialise`);
  const device = backend === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
  return async () => {
    if (device) await device.queue.onSubmittedWorkDone();
  };
}

/**
 * Shared by the benchmarks: seeded inputs, timing with warm-up and medians, and the TF.js
 * peers (WebGPU on the engine's own Dawn instance, wasm SIMD on one thread) loaded once.
 * BENCH_RUNS (default 5) sets the timed runs per case.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Gpu } from '../src/index.ts';

export { tf };
export const RUNS = Number(process.env.BENCH_RUNS ?? 5);

export interface Timing {
  medianMs: number;
  minMs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Seeded values in [−1, 1) (an LCG: fast for 10⁶ values, quality is irrelevant here). */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

/** Median and minimum of RUNS timed calls after one untimed warm-up (pipeline JIT, pools). */
export async function time(run: () => Promise<void>): Promise<Timing> {
  await run();
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return { medianMs: +median(ms).toFixed(2), minMs: +Math.min(...ms).toFixed(2) };
}

/** GFLOP/s for `flops` at the median time, rounded for the report. */
export const gflops = (flops: number, t: Timing): number => +(flops / t.medianMs / 1e6).toFixed(2);

/** TF.js WebGPU looks for navigator.gpu when its module loads: hand it the engine's Dawn instance. */
export async function loadPeers(gpu: Gpu): Promise<('webgpu' | 'wasm')[]> {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpu.platform.gpu() }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1); // submit each dispatch, so a queue wait is a sync
  const require = createRequire(import.meta.url);
  const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist`;
  // Its Emscripten loader reads the CommonJS __dirname, which an ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname ??= wasmDir;
  setWasmPaths(`${wasmDir}/`);
  return ['webgpu', 'wasm'];
}

/** Switches TF.js to `backend`; returns a sync that waits for its queued GPU work (a no-op on wasm). */
export async function tfBackend(backend: 'webgpu' | 'wasm'): Promise<() => Promise<void>> {
  if (!(await tf.setBackend(backend))) throw new Error(`bench: TF.js backend ${backend} failed to initialise`);
  const device = backend === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
  return async () => {
    if (device) await device.queue.onSubmittedWorkDone();
  };
}

/**
 * CPU preprocessing for the patch-based methods: the WebAssembly exports against their
 * plain-TypeScript twins (test/ref/), the peer the issue asks us to beat. Each case checks the
 * wasm result against the twin first, excludes a warm-up, and emits the uniform record
 * (bench/harness.ts): median and spread of the wasm path (the engine) and the twin (its peer).
 * Sizes: SSCC on Indian Pines (145×145, 8 PCA components, 10,249 labelled pixels, 11×11
 * patches, batch 512); BS3LNet on a 100×100×189 AVIRIS scene (19×19 patches, batch 100).
 */
import os from 'node:os';
import { ssccAugment } from '../src/data/augment.ts';
import { makeCube } from '../src/data/cube.ts';
import { n2vMask } from '../src/data/n2v.ts';
import { extractPatches } from '../src/data/patch.ts';
import { SSCC_DEFAULTS, ssccAugmentRef } from '../test/ref/augment.ts';
import { n2vMaskRef } from '../test/ref/n2v.ts';
import { extractPatchesRef } from '../test/ref/patch.ts';
import { Rng } from '../test/ref/prng.ts';
import { emit, QUICK, time, values } from './harness.ts';

function check(op: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  if (got.length !== want.length) throw new Error(`bench: ${op}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      throw new Error(`bench: ${op}: index ${i}: got ${got[i]}, expected ${want[i]}`);
    }
  }
}

/** `k` distinct pixel indices of `n`, sorted (a stand-in for the labelled pixels): partial Fisher–Yates. */
function subset(n: number, k: number): Int32Array {
  const rng = new Rng(9, 0);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort();
}

async function row(name: string, bytes: number, wasm: () => Promise<unknown>, twin: () => unknown): Promise<object> {
  const w = await time(async () => void (await wasm()));
  const t = await time(async () => void twin());
  // The engine here is the wasm path; its peer the plain-TypeScript twin a web app would write.
  return emit('augment', name, w, { 'plain TS twin': t }, { bytes });
}

const rows: object[] = [];
{ // SSCC: 11×11 patches of the labelled pixels of an Indian Pines PCA cube, then two views per batch.
  const cube = makeCube('indian-pines-pca8', 145, 145, 8, values(145 * 145 * 8, 1));
  const centres = subset(145 * 145, 10249);
  const p = await extractPatches(cube, 11, centres);
  check('extractPatches 11×11', p.data.subarray(0, 512 * 968), extractPatchesRef(cube.data, 8, 145, 145, 11, centres.subarray(0, 512)), 0);
  rows.push(await row('extractPatches IndianPines 145x145x8, 10249 centres, 11x11', p.data.length * 4,
    () => extractPatches(cube, 11, centres), () => extractPatchesRef(cube.data, 8, 145, 145, 11, centres)));
  for (const count of QUICK ? [512] : [512, 10249]) { // quick: the training batch only
    const batch = { ...p, count, data: p.data.subarray(0, count * 968), centres: p.centres!.subarray(0, count) };
    const got = await ssccAugment(batch, { seed: 1 });
    const want = ssccAugmentRef(batch.data, count, 8, 11, 1, batch.centres, SSCC_DEFAULTS);
    check('ssccAugment', got.first, want.first, 1e-6);
    check('ssccAugment', got.second, want.second, 1e-6);
    rows.push(await row(`ssccAugment ${count}x8x11x11, two views`, 2 * batch.data.length * 4,
      () => ssccAugment(batch, { seed: 1 }), () => ssccAugmentRef(batch.data, count, 8, 11, 1, batch.centres, SSCC_DEFAULTS)));
  }
}
{ // BS3LNet: a batch of 100 19×19 patches of a 100×100×189 scene, then the blind-spot masks.
  const cube = makeCube('aviris-100x100x189', 100, 100, 189, values(100 * 100 * 189, 2));
  const centres = Int32Array.from({ length: 100 }, (_, i) => 4950 + i);
  const p = await extractPatches(cube, 19, centres);
  check('extractPatches 19×19', p.data, extractPatchesRef(cube.data, 189, 100, 100, 19, centres), 0);
  rows.push(await row('extractPatches 100x100x189, batch of 100, 19x19', p.data.length * 4,
    () => extractPatches(cube, 19, centres), () => extractPatchesRef(cube.data, 189, 100, 100, 19, centres)));
  const got = await n2vMask(p, { seed: 1 });
  const want = n2vMaskRef(p.data, 100, 189, 19, 0.9, 5, 1, centres);
  check('n2vMask input', got.input, want.input, 0);
  check('n2vMask mask', got.mask, want.mask, 0);
  rows.push(await row('n2vMask 100x189x19x19 (ratio 0.9, window 5)', 2 * p.data.length * 4,
    () => n2vMask(p, { seed: 1 }), () => n2vMaskRef(p.data, 100, 189, 19, 0.9, 5, 1, centres)));
}
console.error(`augment: ${rows.length} cases on ${os.cpus()[0]?.model} (${os.cpus().length} cores), Node ${process.version}`);

/**
 * BS3LNet's training inputs: Noise2Void blind-spot masking (docs/bs3lnet.md#masking) for the two
 * presets, the fast preset's data scaling, and the batch sources the training loop draws from
 * (whole images or crops of them; the paper's shuffled patch batches).
 * - paper: 19×19 patches per pixel and their static masks come from src/data (patch.ts,
 *   n2v.ts: 37 masked positions, the centre first, offsets in the 5×5 window without (0, 0),
 *   periodic wrap inside the patch); `paperBatch` uploads one batch of them.
 * - fast (whole image): `imageMask` draws a fresh mask each step on the host (a few kilobytes)
 *   and the GPU applies it with one indexSelect: a masked pixel takes the whole spectrum of a
 *   pixel at a uniform offset in the window without (0, 0), reflected at the image border (the
 *   whole-image counterpart of the code's reflect-padded patches; the wrap inside a 19×19 patch
 *   has no meaning for a whole image).
 */
import type { Gpu } from '../gpu/index.ts';
import { tensor } from '../ops/fill.ts';
import { indexSelect } from '../ops/gather.ts';
import { view, type Tensor } from '../tensor/tensor.ts';
import type { Cube } from '../data/cube.ts';
import { extractPatches } from '../data/patch.ts';
import { n2vMask } from '../data/n2v.ts';
import { scaleCube } from '../data/scale.ts';
import { pdSplit, reflectIndex } from './pd.ts';
import type { StepWindow } from './bs3mine.ts';
import type { Bs3Settings } from './bs3train.ts';

/** Host-side draws (masks, shuffles) use the data layer's seeded mulberry32. */
import { synthRng as hostRng } from '../data/synth.ts';
export { hostRng, reflectIndex };

/**
 * A pixel at a uniform offset in the window without (0, 0), reflected at the border; offsets
 * whose reflection lands back on p itself (p one pixel from the edge, offset 2 outwards) are
 * drawn again, since the copy would show the network the very pixel it must predict.
 */
function neighbour(p: number, rows: number, cols: number, half: number, rand: () => number): number {
  const [r, c] = [Math.floor(p / cols), p % cols];
  for (let tries = 0; tries < 64; tries++) {
    const dy = Math.floor(rand() * (2 * half + 1)) - half;
    const dx = Math.floor(rand() * (2 * half + 1)) - half;
    const q = reflectIndex(r + dy, rows) * cols + reflectIndex(c + dx, cols);
    if (q !== p) return q;
  }
  return p;
}

/** One whole-image mask: source pixel of every pixel, and the loss weight (1 − mask). */
export interface ImageMask {
  /** Row-major source pixel per pixel (itself when unmasked). */
  source: Int32Array;
  /** 1 at masked pixels, 0 elsewhere (the code's 1 − mask). */
  weight: Float32Array;
  /** Distinct masked pixels. */
  masked: number;
}

/**
 * Masks round(fraction·H·W) pixel draws (with replacement, as the code) of an H×W image; each
 * masked pixel copies the spectrum at a uniform offset of the `window`×`window` neighbourhood
 * without (0, 0), reflected at the border (never p itself). Sources are original pixels (read from
 * the unmasked image).
 */
export function imageMask(rows: number, cols: number, fraction: number, window: number, rand: () => number): ImageMask {
  const n = rows * cols;
  const source = Int32Array.from({ length: n }, (_, i) => i);
  const weight = new Float32Array(n);
  const half = Math.floor(window / 2);
  const draws = Math.max(1, Math.round(fraction * n));
  let masked = 0;
  for (let k = 0; k < draws; k++) {
    const p = Math.min(n - 1, Math.floor(rand() * n));
    const q = neighbour(p, rows, cols, half, rand);
    if (q === p) continue;
    if (weight[p] === 0) masked++;
    weight[p] = 1;
    source[p] = q;
  }
  return { source, weight, masked };
}

/** How the fast preset scales the data before training and scoring. */
export type Scaling = 'none' | 'minmax' | 'band';

/**
 * A scaled copy of the cube (data/scale.ts, float64 sums): 'minmax' maps the global range to
 * [0, 1]; 'band' standardises each band (zero mean, unit variance; constant bands become 0);
 * 'none' returns the cube itself.
 */
export async function scaleForTraining(cube: Cube, scaling: Scaling): Promise<Cube> {
  if (scaling === 'none') return cube;
  return (await scaleCube(cube, scaling === 'band' ? 'zscore' : 'global-minmax')).cube;
}

/** One batch of the paper preset on the GPU: input (masked), label, loss weight 1 − mask. */
export interface PatchBatch {
  input: Tensor;
  label: Tensor;
  weight: Tensor | null;
}

/**
 * Patches of `size` centred on `centres`, reflected at the borders, and their static N2V masks
 * keyed by (seed, centre), so every epoch sees the same mask for a pixel. `masked` false (the
 * blind-spot conv network) uploads the plain patches and no weight.
 */
export async function paperBatch(gpu: Gpu, cube: Cube, centres: Int32Array, o: { size: number; ratio: number; window: number; seed: number; masked: boolean }): Promise<PatchBatch> {
  const patches = await extractPatches(cube, o.size, centres);
  const shape = [patches.count, cube.bands, o.size, o.size];
  const label = tensor(gpu, patches.data, shape);
  if (!o.masked) return { input: label, label, weight: null };
  const b = await n2vMask(patches, { ratio: o.ratio, window: o.window, seed: o.seed, ids: centres });
  const inv = new Float32Array(b.mask.length);
  for (let i = 0; i < inv.length; i++) inv[i] = 1 - b.mask[i];
  return { input: tensor(gpu, b.input, shape), label, weight: tensor(gpu, inv, shape) };
}

/** A whole-image or patch step's inputs, and where its image lies in the scene (whole-image steps). */
export interface StepBatch extends PatchBatch {
  at?: StepWindow;
}

type StepSource = (i: number) => Promise<StepBatch>;

/** A training run's batches: step i's, how many steps make the run, and clean-up. */
export interface BatchSource {
  next: StepSource;
  total: number;
  dispose: () => void;
}

/** Whole-image steps train on crops of at most this many pixels (128 × 128): a bounded step on any scene. */
export const MAX_STEP_PIXELS = 128 * 128;

/** Crop rows × cols of a large scene: near-square, at most MAX_STEP_PIXELS, the whole scene when it fits. */
export function cropShape(rows: number, cols: number, cap = MAX_STEP_PIXELS): [number, number] {
  if (rows * cols <= cap) return [rows, cols];
  const h = Math.min(rows, Math.max(Math.floor(Math.sqrt(cap)), Math.floor(cap / cols)));
  return [h, Math.min(cols, Math.floor(cap / h))];
}

/** The h × w window at (r0, c0) of a band-sequential cube. */
function cropCube(cube: Cube, r0: number, c0: number, h: number, w: number): Float32Array {
  const out = new Float32Array(cube.bands * h * w);
  for (let b = 0; b < cube.bands; b++) {
    for (let r = 0; r < h; r++) {
      const from = (b * cube.rows + r0 + r) * cube.cols + c0;
      out.set(cube.data.subarray(from, from + w), (b * h + r) * w);
    }
  }
  return out;
}

/** The step's image as [f², B, h, w] (pd.ts; f = 1: the image itself, [1, B, h, w]). */
function stepImage(gpu: Gpu, cube: Cube, f: number): Tensor {
  if (f === 1) return tensor(gpu, cube.data, [1, cube.bands, cube.rows, cube.cols]);
  const pd = pdSplit(cube, f);
  return tensor(gpu, pd.data, [f * f, cube.bands, pd.subRows, pd.subCols]);
}

/**
 * Whole-image steps: a fresh N2V mask each step, applied on the GPU by one indexSelect (with
 * PD, the same mask positions in every sub-image). Scenes over MAX_STEP_PIXELS train on a random
 * crop per step (uploaded each step) instead.
 */
export function imageSource(gpu: Gpu, cube: Cube, s: Bs3Settings): BatchSource {
  const { rows, cols, bands } = cube;
  const [h, w] = cropShape(rows, cols);
  const whole = h === rows && w === cols ? stepImage(gpu, cube, s.pd) : null;
  const rand = hostRng(s.seed ^ 0x5eed);
  const next: StepSource = async () => {
    const [r0, c0] = whole ? [0, 0] : [Math.floor(rand() * (rows - h + 1)), Math.floor(rand() * (cols - w + 1))];
    const x = whole ? view(whole, whole.shape) : stepImage(gpu, { rows: h, cols: w, bands, data: cropCube(cube, r0, c0, h, w) }, s.pd);
    if (s.blindspot === 'conv') return { input: x, label: x, weight: null, at: { r0, c0, h, w, f: s.pd } };
    const [n, , sh, sw] = x.shape;
    const m = imageMask(sh, sw, 1 - s.ratio, s.window, rand);
    const idx = tensor(gpu, m.source, [sh * sw], 'i32');
    const flat = view(x, [n * bands, sh * sw]);
    const picked = indexSelect(flat, 1, idx);
    for (const t of [idx, flat]) t.dispose();
    const input = view(picked, x.shape);
    picked.dispose();
    return { input, label: x, weight: tensor(gpu, m.weight, [1, 1, sh, sw]) };
  };
  return { next, total: s.epochs, dispose: () => whole?.dispose() };
}

/** The paper's patch batches: pixel order reshuffled each epoch, static masks per pixel. */
export function patchSource(gpu: Gpu, cube: Cube, s: Bs3Settings): BatchSource {
  const n = cube.rows * cube.cols;
  const perEpoch = Math.ceil(n / s.batch);
  const rand = hostRng(s.seed ^ 0xba7c);
  let order: Int32Array = new Int32Array(0);
  const next: StepSource = (i) => {
    const b = i % perEpoch;
    if (b === 0) order = shuffled(n, rand);
    const centres = order.subarray(b * s.batch, Math.min(n, (b + 1) * s.batch));
    return paperBatch(gpu, cube, centres, { size: s.patch, ratio: s.ratio, window: s.window, seed: s.seed, masked: s.blindspot === 'mask' });
  };
  return { next, total: s.epochs * perEpoch, dispose: () => {} };
}

/** A Fisher–Yates permutation of 0..n−1. */
function shuffled(n: number, rand: () => number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Training BS3LNet (METHODS.md §2.3): masked L1 loss, L1(out·(1 − mask), label·(1 − mask)) with
 * the mean over ALL elements (the code's), Adam(lr 1e-4, betas (0.5, 0.999), weight decay 1e-5),
 * BatchNorm in training mode, then whole-image scoring in eval mode (bs3lnet.ts).
 *
 * Presets:
 * - `paper`: the code's schedule: one 19×19 patch per pixel, batches of 100 (shuffled each
 *   epoch, last partial batch kept), 37 static N2V positions, raw data, 1000 epochs (a 100×100
 *   scene is 100 steps of 36,100 pixels per epoch: far out of reach on a CPU-class adapter, so
 *   pass `epochs` or `steps` for a short run).
 * - `fast` (default): 100 whole-image steps, lr 1e-3 (10× the paper's; the other Adam settings as
 *   the paper), each band standardised (zero mean, unit variance; scores are in those units).
 *   Its default network is the true blind-spot one (`blindspot: 'conv'`) on 2×2 pixel-shuffled
 *   sub-images (pd.ts): a one-pixel blind spot lets an object two or three pixels wide be
 *   predicted from itself; PD took Sandiego from 0.8382 to 0.9573 and abu-urban-1 from 0.9498 to
 *   0.9735 (a factor of 3: abu-urban-1 0.9830, abu-beach-2 0.9000 against 0.9036). With
 *   `blindspot: 'mask'` each step draws a fresh N2V mask (10 % of the pixels, bs3mask.ts: 1,000
 *   masked pixels of a 100×100 scene per step against the paper's 37 per patch) and PD is off
 *   (it lost there: abu-beach-2 0.9042 → 0.8856). A 100×100×205 scene trains in ~3 minutes on
 *   the 2-core lavapipe machine (~1.7 s per step). Scenes over 128×128 pixels train on a random
 *   crop per step, so a step costs the same on any scene. `scaling: 'minmax'` (one global
 *   affine map, the raw data's band weighting) is scene-dependent: abu-beach-2 0.9215 against
 *   0.9042 with 'band', but HYDICE-II 0.908 against 0.9878 (mask; RX 0.9106 and 0.9272). The
 *   README table has the numbers and commands.
 * With `blindspot: 'conv'` nothing is masked: the network cannot see the centre, so the loss is
 * the plain L1 over every element.
 *
 * Reference-code bugs fixed: get_mirror_hsi swapped height and width, so non-square scenes
 * crashed (here padding and patches use rows and cols as they are); the scene's scores are
 * written row-major (the code flattens in Fortran order for roc_auc_score, which does not change
 * the AUC).
 */
import type { Gpu } from '../gpu/index.ts';
import { backward } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { view, type Tensor } from '../tensor/tensor.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { mul } from '../ops/binary.ts';
import { tensor } from '../ops/fill.ts';
import { indexSelect } from '../ops/gather.ts';
import { l1Loss } from '../ops/loss.ts';
import { Adam } from '../nn/optim.ts';
import type { Cube } from '../data/cube.ts';
import { Bs3lnet, bs3lnetScores, type BlindSpot } from './bs3lnet.ts';
import { hostRng, imageMask, paperBatch, scaleCube, type Scaling } from './bs3mask.ts';
import { pdSplit } from './pd.ts';

export type Preset = 'fast' | 'paper';

/** Every training setting; a preset fills them, options override. */
export interface Bs3Settings {
  preset: Preset;
  blindspot: BlindSpot;
  /** 'patch': the code's 19×19 patches; 'image': whole-image steps. */
  mode: 'patch' | 'image';
  /** Epochs (patch mode: passes over every pixel; image mode: one step each). */
  epochs: number;
  /** Optional cap on the optimizer steps (a short paper run). */
  steps: number | null;
  lr: number;
  betas: [number, number];
  weightDecay: number;
  scaling: Scaling;
  patch: number;
  batch: number;
  /** Fraction of positions left unmasked (code: 0.9 → 37 of 361). */
  ratio: number;
  window: number;
  /** Pixel-shuffle down-sampling factor (pd.ts; 1: none; image mode only). */
  pd: number;
  seed: number;
}

export const BS3_PRESETS: Record<Preset, Omit<Bs3Settings, 'blindspot' | 'seed' | 'steps'>> = {
  paper: { preset: 'paper', mode: 'patch', epochs: 1000, lr: 1e-4, betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'none', patch: 19, batch: 100, ratio: 0.9, window: 5, pd: 1 },
  fast: { preset: 'fast', mode: 'image', epochs: 100, lr: 1e-3, betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'band', patch: 0, batch: 1, ratio: 0.9, window: 5, pd: 1 },
};

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
}

export interface Bs3TrainOptions extends Partial<Omit<Bs3Settings, 'preset'>> {
  preset?: Preset;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface Bs3Result {
  model: Bs3lnet;
  /** Loss after each step. */
  losses: number[];
  /** Training wall time (scoring excluded). */
  seconds: number;
  settings: Bs3Settings;
  /** The cube as the model sees it (scaled per `settings.scaling`): score this one. */
  input: Cube;
  /** True when the signal stopped training early. */
  aborted: boolean;
}

/** The preset's settings with the options' overrides. */
export function bs3Settings(opts: Bs3TrainOptions = {}): Bs3Settings {
  const preset = opts.preset ?? 'fast';
  if (!(preset in BS3_PRESETS)) throw new GpuUsageError('trainBs3lnet', `preset: expected 'fast' or 'paper', got ${String(preset)}`);
  // The paper preset is the code's network (N2V masking); the fast preset the true blind spot.
  const s: Bs3Settings = { ...BS3_PRESETS[preset], blindspot: preset === 'paper' ? 'mask' : 'conv', seed: 1, steps: null };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && k in s && k !== 'preset') (s as unknown as Record<string, unknown>)[k] = v;
  // The fast preset's PD factor: 2 for the blind-spot network (measured: Sandiego 0.8382 → 0.9573,
  // abu-urban-1 0.9498 → 0.9735); 1 with N2V masking, where PD lost (abu-beach-2 0.9042 → 0.8856).
  if (opts.pd === undefined && preset === 'fast') s.pd = s.blindspot === 'conv' ? 2 : 1;
  if (!Number.isInteger(s.epochs) || s.epochs < 1) throw new GpuUsageError('trainBs3lnet', `epochs: expected a positive integer, got ${s.epochs}`);
  if (!Number.isInteger(s.pd) || s.pd < 1 || (s.pd > 1 && s.mode !== 'image')) throw new GpuUsageError('trainBs3lnet', `pd: expected a positive integer (above 1 with whole-image steps only), got ${s.pd} with ${s.mode} steps`);
  if (s.steps !== null && (!Number.isInteger(s.steps) || s.steps < 1)) throw new GpuUsageError('trainBs3lnet', `steps: expected a positive integer, got ${s.steps}`);
  return s;
}

/** The masked (or plain) L1 loss, mean over all elements. */
function maskedL1(out: Tensor, label: Tensor, weight: Tensor | null): Tensor {
  return weight ? l1Loss(mul(out, weight), mul(label, weight)) : l1Loss(out, label);
}

/** One optimizer step on (input, label, weight); returns the loss tensor. */
function step(model: Bs3lnet, opt: Adam, input: Tensor, label: Tensor, weight: Tensor | null): Tensor {
  return scope(() => {
    const loss = maskedL1(model.forward(input), label, weight);
    backward(loss);
    opt.step();
    opt.zeroGrad();
    return loss;
  });
}

type StepSource = (i: number) => Promise<{ input: Tensor; label: Tensor; weight: Tensor | null }>;

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
function imageSource(gpu: Gpu, cube: Cube, s: Bs3Settings): { next: StepSource; total: number; dispose: () => void } {
  const { rows, cols, bands } = cube;
  const [h, w] = cropShape(rows, cols);
  const whole = h === rows && w === cols ? stepImage(gpu, cube, s.pd) : null;
  const rand = hostRng(s.seed ^ 0x5eed);
  const next: StepSource = async () => {
    const x = whole ? view(whole, whole.shape) : stepImage(gpu, { rows: h, cols: w, bands, data: cropCube(cube, Math.floor(rand() * (rows - h + 1)), Math.floor(rand() * (cols - w + 1)), h, w) }, s.pd);
    if (s.blindspot === 'conv') return { input: x, label: x, weight: null };
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
function patchSource(gpu: Gpu, cube: Cube, s: Bs3Settings): { next: StepSource; total: number; dispose: () => void } {
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

/**
 * Trains BS3LNet on `cube` (deterministic for a seed on one adapter). Stops cleanly between
 * steps when `signal` aborts (the model is left as trained so far). Score the result with
 * `bs3lnetScores(gpu, result.model, result.input)`.
 */
export async function trainBs3lnet(gpu: Gpu, cube: Cube, opts: Bs3TrainOptions = {}): Promise<Bs3Result> {
  const settings = bs3Settings(opts);
  const input = scaleCube(cube, settings.scaling);
  const model = new Bs3lnet(gpu, { bands: cube.bands, blindspot: settings.blindspot, seed: settings.seed, pd: settings.pd });
  const opt = new Adam(model.parameters(), { lr: settings.lr, betas: settings.betas, weightDecay: settings.weightDecay });
  const src = settings.mode === 'image' ? imageSource(gpu, input, settings) : patchSource(gpu, input, settings);
  const steps = Math.min(src.total, settings.steps ?? Infinity);
  const losses: number[] = [];
  const t0 = performance.now();
  let aborted = false;
  try {
    model.train();
    for (let i = 0; i < steps; i++) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const b = await src.next(i);
      const loss = step(model, opt, b.input, b.label, b.weight);
      for (const t of new Set([b.input, b.label, b.weight])) t?.dispose();
      const [v] = await loss.data();
      loss.dispose();
      losses.push(v);
      opts.onProgress?.({ step: i + 1, steps, loss: v });
    }
  } finally {
    src.dispose();
    opt.dispose();
  }
  return { model, losses, seconds: (performance.now() - t0) / 1e3, settings, input, aborted };
}

export { bs3lnetScores };

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
 *   predicted from itself. With it the lr follows a cosine from 1e-3 to 0; from step 20 the 2 %
 *   of pixels reconstructed worst so far are left out of the loss (bs3mine.ts, after Super-AD's
 *   background mining: anomalies should not be learnt); and the score is the mean absolute error
 *   over bands, the error the L1 loss trains, not the paper's squared L2. With
 *   `blindspot: 'mask'` each step draws a fresh N2V mask (10 % of the pixels, bs3mask.ts: 1,000
 *   masked pixels of a 100×100 scene per step against the paper's 37 per patch) with a constant
 *   lr, no mining, no PD and the L2 score. Each choice was measured (AUC and time, seed 1; the
 *   README has the numbers). Scenes over 128×128 pixels train on a random crop per step.
 * With `blindspot: 'conv'` nothing is masked: the network cannot see the centre, so the loss is
 * the plain L1 over every element.
 *
 * Reference-code bugs fixed: get_mirror_hsi swapped height and width, so non-square scenes
 * crashed (here padding and patches use rows and cols as they are); the scene's scores are
 * written row-major (the code flattens in Fortran order for roc_auc_score, which does not change
 * the AUC).
 */
import type { Gpu } from '../gpu/index.ts';
import { backward, noGrad } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { view, type Tensor } from '../tensor/tensor.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { mul, sub } from '../ops/binary.ts';
import { mean } from '../ops/reduce.ts';
import { abs } from '../ops/unary.ts';
import { tensor } from '../ops/fill.ts';
import { indexSelect } from '../ops/gather.ts';
import { l1Loss } from '../ops/loss.ts';
import { Adam } from '../nn/optim.ts';
import type { Cube } from '../data/cube.ts';
import { Bs3lnet, bs3lnetScores, type BlindSpot, type ScoreNorm, type ScoreOptions } from './bs3lnet.ts';
import { hostRng, imageMask, paperBatch, scaleCube, type Scaling } from './bs3mask.ts';
import { pdSplit } from './pd.ts';
import { ErrorMap, type StepWindow } from './bs3mine.ts';

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
  /** 'constant', or 'cosine': lr · (1 + cos(π·step/steps)) / 2, from lr towards 0. */
  schedule: 'constant' | 'cosine';
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
  /**
   * Background pixel mining (after Super-AD's OBPM): from step `mineFrom` on, the fraction `mine`
   * of pixels with the largest error at the previous step is left out of the loss, so likely
   * anomalies do not teach the network to reconstruct them (0: off; image mode with 'conv').
   */
  mine: number;
  mineFrom: number;
  /** The score's norm over bands (bs3lnet.ts): 'l2' the paper's, 'l1' the trained error. */
  score: ScoreNorm;
  seed: number;
}

export const BS3_PRESETS: Record<Preset, Omit<Bs3Settings, 'blindspot' | 'seed' | 'steps'>> = {
  paper: { preset: 'paper', mode: 'patch', epochs: 1000, lr: 1e-4, schedule: 'constant', betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'none', patch: 19, batch: 100, ratio: 0.9, window: 5, pd: 1, mine: 0, mineFrom: 0, score: 'l2' },
  fast: { preset: 'fast', mode: 'image', epochs: 100, lr: 1e-3, schedule: 'cosine', betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'band', patch: 0, batch: 1, ratio: 0.9, window: 5, pd: 2, mine: 0.02, mineFrom: 20, score: 'l1' },
};

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
}

export interface Bs3TrainOptions extends Partial<Omit<Bs3Settings, 'preset'>> {
  preset?: Preset;
  onProgress?: (p: TrainProgress) => void;
  /** Awaited after each step (e.g. to score snapshots of the model while it trains). */
  afterStep?: (step: number, model: Bs3lnet) => Promise<void>;
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
  // The fast preset's PD factor, schedule, mining and score were measured with the blind-spot
  // network; N2V masking keeps what was measured there: PD 1 (PD lost: abu-beach-2 0.9042 →
  // 0.8856), a constant lr, no mining (its loss sees only the masked pixels) and the L2 score.
  if (preset === 'fast' && s.blindspot === 'mask') {
    if (opts.pd === undefined) s.pd = 1;
    if (opts.schedule === undefined) s.schedule = 'constant';
    if (opts.mine === undefined) s.mine = 0;
    if (opts.score === undefined) s.score = 'l2';
  }
  if (!Number.isInteger(s.epochs) || s.epochs < 1) throw new GpuUsageError('trainBs3lnet', `epochs: expected a positive integer, got ${s.epochs}`);
  if (!Number.isInteger(s.pd) || s.pd < 1 || (s.pd > 1 && s.mode !== 'image')) throw new GpuUsageError('trainBs3lnet', `pd: expected a positive integer (above 1 with whole-image steps only), got ${s.pd} with ${s.mode} steps`);
  if (s.schedule !== 'constant' && s.schedule !== 'cosine') throw new GpuUsageError('trainBs3lnet', `schedule: expected 'constant' or 'cosine', got ${String(s.schedule)}`);
  if (!(s.mine >= 0 && s.mine < 0.5)) throw new GpuUsageError('trainBs3lnet', `mine: expected a fraction in [0, 0.5), got ${s.mine}`);
  if (s.mine > 0 && (s.mode !== 'image' || s.blindspot !== 'conv')) throw new GpuUsageError('trainBs3lnet', `mine: expected 0 (off) unless whole-image steps train the 'conv' blind-spot network, got ${s.mine} with ${s.mode} steps and '${s.blindspot}'`);
  if (s.score !== 'l2' && s.score !== 'l1') throw new GpuUsageError('trainBs3lnet', `score: expected 'l2' or 'l1', got ${String(s.score)}`);
  if (!Number.isInteger(s.mineFrom) || s.mineFrom < 0) throw new GpuUsageError('trainBs3lnet', `mineFrom: expected a step number ≥ 0, got ${s.mineFrom}`);
  if (s.steps !== null && (!Number.isInteger(s.steps) || s.steps < 1)) throw new GpuUsageError('trainBs3lnet', `steps: expected a positive integer, got ${s.steps}`);
  return s;
}

/** The masked (or plain) L1 loss, mean over all elements. */
function maskedL1(out: Tensor, label: Tensor, weight: Tensor | null): Tensor {
  return weight ? l1Loss(mul(out, weight), mul(label, weight)) : l1Loss(out, label);
}

/** One optimizer step on (input, label, weight); the loss and, with `perPixel`, the L1 error per pixel [N, 1, H, W]. */
function step(model: Bs3lnet, opt: Adam, input: Tensor, label: Tensor, weight: Tensor | null, perPixel: boolean): { loss: Tensor; err: Tensor | null } {
  return scope(() => {
    const out = model.forward(input);
    const loss = maskedL1(out, label, weight);
    const err = perPixel ? noGrad(() => mean(abs(sub(out, label)), [1], true)) : null;
    backward(loss);
    opt.step();
    opt.zeroGrad();
    return { loss, err };
  });
}

type StepSource = (i: number) => Promise<{ input: Tensor; label: Tensor; weight: Tensor | null; at?: StepWindow }>;

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

/** The learning rate of step i (0-based) of `steps` under the settings' schedule. */
export function stepLr(s: Pick<Bs3Settings, 'lr' | 'schedule'>, i: number, steps: number): number {
  return s.schedule === 'cosine' ? (s.lr * (1 + Math.cos((Math.PI * i) / steps))) / 2 : s.lr;
}

/**
 * Trains BS3LNet on `cube` (deterministic for a seed on one adapter). Stops cleanly between
 * steps when `signal` aborts (the model is left as trained so far). Score the result with
 * `bs3ResultScores(gpu, result)`.
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
  const errors = settings.mine > 0 ? new ErrorMap(cube.rows, cube.cols) : null;
  try {
    model.train();
    for (let i = 0; i < steps; i++) {
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      opt.lr = stepLr(settings, i, steps);
      const b = await src.next(i);
      const mining = errors !== null && b.at !== undefined;
      const weight = mining && i >= settings.mineFrom ? errors!.weights(gpu, b.at!, settings.mine) : b.weight;
      const { loss, err } = step(model, opt, b.input, b.label, weight, mining);
      for (const t of new Set([b.input, b.label, b.weight, weight])) t?.dispose();
      const [v] = await loss.data();
      loss.dispose();
      if (err) {
        errors!.record((await err.data()) as Float32Array, b.at!);
        err.dispose();
      }
      losses.push(v);
      opts.onProgress?.({ step: i + 1, steps, loss: v });
      await opts.afterStep?.(i + 1, model);
    }
  } finally {
    src.dispose();
    opt.dispose();
  }
  return { model, losses, seconds: (performance.now() - t0) / 1e3, settings, input, aborted };
}

/** Scores of a trained result on its own input, with its settings' norm (what `hsi detect` writes). */
export function bs3ResultScores(gpu: Gpu, r: Pick<Bs3Result, 'model' | 'input' | 'settings'>, opts: Omit<ScoreOptions, 'norm'> = {}): Promise<Float32Array> {
  return bs3lnetScores(gpu, r.model, r.input, { ...opts, norm: r.settings.score });
}

/**
 * BS3LNet: L. Gao, D. Wang, L. Zhuang, X. Sun, M. Huang, A. Plaza, "A New Blind-Spot
 * Self-Supervised Learning Network for Hyperspectral Anomaly Detection", IEEE TGRS 61, 2023,
 * 5504218 (DOI 10.1109/TGRS.2023.3246565); reference code DegangWang97/IEEE_TGRS_BS3LNet
 * (model.py, layer.py). Documented in docs/bs3lnet.md#network and docs/bs3lnet.md#scoring.
 *
 * The network (defaults are the code's: 64 kernels, 2 residual blocks, BatchNorm):
 *   encoder  reflect-pad 1 → conv(B→64, 3×3, bias) → ReLU                    = e
 *   2 × ResBlock: x + BN(conv(ReLU(BN(conv(x)))))   (3×3, no bias, no activation after the add)
 *   decoder  conv(64→64, 3×3, no bias) → BN;  skip: d + e
 *   head     conv(64→B, 3×3, bias), no output activation
 * Every conv reflect-pads by its reach. Init as the code's init_weights('normal', 0.02): conv
 * weights N(0, 0.02²), biases 0, BN weights N(1, 0.02²), BN biases 0. BN eps 1e-5, momentum 0.1.
 *
 * `blindspot: 'mask'` is that network (the code's: the centre is visible; the blind spot comes
 * only from Noise2Void input masking while training, see bs3train.ts).
 * `blindspot: 'conv'` is a true blind-spot network, which the paper claims and its code lacks:
 * the encoder conv has its centre tap masked and every later 3×3 conv has dilation 2. Why output
 * p never depends on input p: the masked conv reads offsets δ ∈ {−1, 0, 1}² \ {(0, 0)}, each with
 * an odd component; every later layer reads even offsets, ReLU, the residual and skip adds and
 * (eval-mode) BN are per-pixel, so every path has offset δ + (even) ≠ (0, 0). Reflection without
 * edge duplication maps r → −r and r → 2(n−1) − r, which keep the parity of a coordinate, so the
 * borders hold the property too. In training mode BN's batch statistics couple every pixel to
 * all others through two numbers per channel (a 1/(H·W) share); at inference (eval mode, running
 * statistics) the blind spot is exact (test/models/bs3lnet.test.ts checks ∂out_p/∂x_p = 0).
 *
 * Score (docs/bs3lnet.md#scoring): the whole image through the network in eval mode, s_p = ‖x_p − x̂_p‖² / B, raw
 * (min–max normalisation is for display only); `norm: 'l1'` scores Σ|x_p − x̂_p| / B instead,
 * the error the L1 loss trains (the fast preset's choice, bs3train.ts). Scenes beyond the
 * adapter's buffer limits are scored in row tiles with a halo of the receptive radius (exactly the whole-image result).
 */
import type { Gpu } from '../gpu/index.ts';
import { noGrad } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { HsiError, OptionError } from '../errors.ts';
import { centreMask } from '../ops/conv2d.ts';
import { add, sub } from '../ops/binary.ts';
import { tensor } from '../ops/fill.ts';
import { sum } from '../ops/reduce.ts';
import { slice } from '../ops/shape.ts';
import { abs, relu, square } from '../ops/unary.ts';
import { Generator } from '../ops/random.ts';
import { Conv2d } from '../nn/conv.ts';
import { BatchNorm2d } from '../nn/norm.ts';
import { constant_, normal_ } from '../nn/init.ts';
import { Module } from '../nn/module.ts';
import type { Cube } from '../data/cube.ts';
import { pdMerge, pdPart, pdSplit } from './pd.ts';

export type BlindSpot = 'mask' | 'conv';

export interface Bs3lnetConfig {
  /** Spectral bands B (input and output channels). */
  bands: number;
  /** Kernels per hidden layer (code: nch_ker = 64). */
  hidden?: number;
  /** Residual blocks (code: nblk = 2). */
  blocks?: number;
  /** 'mask': the code's network (N2V masking); 'conv': the true blind-spot network. */
  blindspot?: BlindSpot;
  /** Seed of the initial weights. */
  seed?: number;
  /** Pixel-shuffle down-sampling factor the network works at (pd.ts; 1: none). */
  pd?: number;
}

/** ResBlock (layer.py): x + BN(conv(ReLU(BN(conv(x))))), no activation after the add. */
class ResBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;

  constructor(gpu: Gpu, ch: number, dilation: number, gen: Generator) {
    super();
    const opts = { padding: dilation, dilation, paddingMode: 'reflect' as const, bias: false, seed: gen };
    this.conv1 = new Conv2d(gpu, ch, ch, 3, opts);
    this.bn1 = new BatchNorm2d(gpu, ch);
    this.conv2 = new Conv2d(gpu, ch, ch, 3, opts);
    this.bn2 = new BatchNorm2d(gpu, ch);
  }

  forward(x: Tensor): Tensor {
    return scope(() => add(x, this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))))));
  }
}

/** The BS3LNet reconstruction network, [N, B, H, W] → [N, B, H, W]. */
export class Bs3lnet extends Module {
  readonly encoder: Conv2d;
  readonly resblocks: ResBlock[];
  readonly decoder: Conv2d;
  readonly decoderBn: BatchNorm2d;
  readonly head: Conv2d;
  readonly bands: number;
  readonly blindspot: BlindSpot;
  /** Pixels an output reaches in each direction (7 for 'mask', 13 for 'conv'), in sub-image pixels. */
  readonly radius: number;
  /** Pixel-shuffle down-sampling factor: training and scoring see the f² sub-images (pd.ts). */
  readonly pd: number;

  constructor(gpu: Gpu, config: Bs3lnetConfig) {
    super();
    const { bands, hidden = 64, blocks = 2, blindspot = 'mask', seed = 1, pd = 1 } = config;
    if (blindspot !== 'mask' && blindspot !== 'conv') throw new OptionError('Bs3lnet', `blindspot: expected 'mask' or 'conv', got ${String(blindspot)}`);
    for (const [name, v] of [['bands', bands], ['hidden', hidden], ['blocks', blocks + 1], ['pd', pd]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError('Bs3lnet', `${name}: expected a positive integer, got ${v}`);
    }
    this.bands = bands;
    this.blindspot = blindspot;
    this.pd = pd;
    const gen = new Generator(seed);
    const d = blindspot === 'conv' ? 2 : 1;
    const mask = blindspot === 'conv' ? centreMask(gpu, 3) : null;
    this.encoder = new Conv2d(gpu, bands, hidden, 3, { padding: 1, paddingMode: 'reflect', mask, seed: gen });
    mask?.dispose();
    this.resblocks = Array.from({ length: blocks }, () => new ResBlock(gpu, hidden, d, gen));
    const opts = { padding: d, dilation: d, paddingMode: 'reflect' as const, seed: gen };
    this.decoder = new Conv2d(gpu, hidden, hidden, 3, { ...opts, bias: false });
    this.decoderBn = new BatchNorm2d(gpu, hidden);
    this.head = new Conv2d(gpu, hidden, bands, 3, opts);
    this.radius = 1 + d * (2 * blocks + 2);
    this.initWeights(gen);
  }

  /** init_weights('normal', gain 0.02): conv N(0, 0.02²), bias 0; BN weight N(1, 0.02²), bias 0. */
  private initWeights(gen: Generator): void {
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) {
        normal_(m.weight, 0, 0.02, gen);
        if (m.bias) constant_(m.bias, 0);
      } else if (m instanceof BatchNorm2d) {
        normal_(m.weight!, 1, 0.02, gen);
        constant_(m.bias!, 0);
      }
    }
  }

  /** Reflect padding needs each side of an image (a PD sub-image) above the widest pad, d. */
  private checkSize(h: number, w: number): void {
    const pad = this.blindspot === 'conv' ? 2 : 1;
    if (h > pad && w > pad) return;
    const split = this.pd > 1 ? ` (the scene split by the pixel-shuffle factor pd ${this.pd})` : '';
    const fix = this.pd > 1 ? `lower pd (the pd option; hsi detect --pd 1) or use a scene at least ${pad * this.pd + 1} pixels on each side` : `use a scene at least ${pad + 1} pixels on each side`;
    throw new OptionError('Bs3lnet', `image size: expected each side above the reflect padding ${pad}, got ${h}×${w}${split}; ${fix}`);
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.bands) throw new GpuUsageError('Bs3lnet', `input: expected [N, ${this.bands}, H, W], got ${fmtShape(x.shape)}`);
    this.checkSize(x.shape[2], x.shape[3]);
    return scope(() => {
      const e = relu(this.encoder.forward(x));
      let h = e;
      for (const block of this.resblocks) h = block.forward(h);
      const dec = add(this.decoderBn.forward(this.decoder.forward(h)), e);
      return this.head.forward(dec);
    });
  }
}

/** Largest rows per inference tile so the widest activation fits the adapter's binding limit. */
function tileRows(gpu: Gpu, model: Bs3lnet, rows: number, cols: number, maxBytes?: number): number {
  const limit = maxBytes ?? Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  // Channels-last packing rounds channels to 4 and adds the padding ring; keep a 2× margin.
  const perRow = 2 * 4 * Math.ceil(Math.max(model.bands, 64) / 4) * 4 * (cols + 2 * model.radius);
  return Math.max(1, Math.floor(limit / perRow) - 2 * model.radius);
}

/** Per-pixel score norm over bands: 'l2' the paper's ‖x − x̂‖², 'l1' Σ|x − x̂|. */
export type ScoreNorm = 'l2' | 'l1';

/** Rows [lo, hi) of one [1, B, h, W] tile's output: x − x̂, or with a `norm` the score sum per pixel. */
function tileOut(model: Bs3lnet, x: Tensor, lo: number, hi: number, norm: ScoreNorm | null): Tensor {
  const d = slice(sub(x, model.forward(x)), [null, null, [lo, hi]]);
  return norm ? sum(norm === 'l1' ? abs(d) : square(d), [0, 1]) : d;
}

export interface ScoreOptions {
  /** Buffer budget in bytes for one activation (default: the adapter's limits); forces tiling in tests. */
  maxBytes?: number;
  /** The score's norm over bands (default 'l2', docs/bs3lnet.md#scoring). */
  norm?: ScoreNorm;
}

/**
 * Anomaly scores s_p = ‖x_p − x̂_p‖² / B, or with `norm: 'l1'` Σ|x_p − x̂_p| / B (raw, row-major
 * H×W), of `cube` (already in the model's input scale) through `model` in eval mode; restores the
 * model's mode afterwards. A model with pixel-shuffle down-sampling scores each sub-image on its
 * own (eval-mode BN is per pixel, so that is exact) and merges them.
 */
export async function bs3lnetScores(gpu: Gpu, model: Bs3lnet, cube: Cube, opts: ScoreOptions = {}): Promise<Float32Array> {
  const norm = opts.norm ?? 'l2';
  if (norm !== 'l2' && norm !== 'l1') throw new OptionError('bs3lnetScores', `norm: expected 'l2' or 'l1', got ${String(norm)}`);
  const s = await throughModel(gpu, model, cube, opts, norm);
  let bad = 0;
  for (let i = 0; i < s.length; i++) if (!Number.isFinite((s[i] /= cube.bands))) bad++;
  if (bad > 0) {
    // Finite but exploded weights (a learning rate far too high) overflow f32 in the residuals.
    throw new HsiError('bs3lnetScores', `scores: expected finite values, got ${bad} NaN/Inf of ${s.length} (the network's outputs overflow float32: training diverged); train again with a lower learning rate (a tenth)`);
  }
  return s;
}

/** The residual cube x − x̂ (band-sequential, like `cube`) through `model` in eval mode. */
export async function bs3lnetResiduals(gpu: Gpu, model: Bs3lnet, cube: Cube, opts: ScoreOptions = {}): Promise<Cube> {
  return { rows: cube.rows, cols: cube.cols, bands: cube.bands, data: await throughModel(gpu, model, cube, opts, null) };
}

/** Scores (H×W) or residuals (B×H×W) of `cube`, per sub-image when the model uses PD. */
async function throughModel(gpu: Gpu, model: Bs3lnet, cube: Cube, opts: ScoreOptions, score: ScoreNorm | null): Promise<Float32Array> {
  if (cube.bands !== model.bands) throw new OptionError('bs3lnetScores', `cube bands: expected ${model.bands} (the model's), got ${cube.bands}`);
  const wasTraining = model.training;
  model.eval();
  try {
    if (model.pd === 1) return await plainOut(gpu, model, cube, opts, score);
    const pd = pdSplit(cube, model.pd);
    const parts: Float32Array[] = [];
    for (let k = 0; k < model.pd ** 2; k++) parts.push(await plainOut(gpu, model, pdPart(pd, k), opts, score));
    if (score) return pdMerge(parts, pd);
    const plane = pd.subRows * pd.subCols;
    const out = new Float32Array(cube.bands * cube.rows * cube.cols);
    for (let b = 0; b < cube.bands; b++) out.set(pdMerge(parts.map((p) => p.subarray(b * plane, (b + 1) * plane)), pd), b * cube.rows * cube.cols);
    return out;
  } finally {
    model.train(wasTraining);
  }
}

/** One image through the model (eval mode already set), in row tiles when it exceeds the buffer budget. */
async function plainOut(gpu: Gpu, model: Bs3lnet, cube: Cube, opts: ScoreOptions, score: ScoreNorm | null): Promise<Float32Array> {
  const { rows, cols, bands } = cube;
  const out = new Float32Array((score ? 1 : bands) * rows * cols);
  const step = Math.min(rows, tileRows(gpu, model, rows, cols, opts.maxBytes));
  for (let r0 = 0; r0 < rows; r0 += step) {
    const r1 = Math.min(rows, r0 + step);
    const a = Math.max(0, r0 - model.radius);
    const b = Math.min(rows, r1 + model.radius);
    const part = new Float32Array(bands * (b - a) * cols);
    for (let c = 0; c < bands; c++) part.set(cube.data.subarray((c * rows + a) * cols, (c * rows + b) * cols), c * (b - a) * cols);
    const t = noGrad(() => scope(() => tileOut(model, tensor(gpu, part, [1, bands, b - a, cols]), r0 - a, r1 - a, score)));
    const v = await t.data();
    t.dispose();
    const n = (r1 - r0) * cols;
    for (let c = 0; c < (score ? 1 : bands); c++) out.set(v.subarray(c * n, (c + 1) * n), (c * rows + r0) * cols);
  }
  return out;
}

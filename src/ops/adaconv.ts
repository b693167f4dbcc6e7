/**
 * Super-AD's adaptive-neighbour convolution (AdaConv, docs/superad.md#adaconv; shaders/adaconv.wgsl).
 *
 * With a guide (error map) E [H, W], window n and kernel k (p = (n−1)/2): features are
 * reflect-padded by p, E is padded by p with `guidePad` (999), and each pixel takes the k²
 * window positions of smallest padded E, ascending (ties: lower row-major window index first);
 * kernel slot r multiplies the r-th smallest:
 *   out[o, y, x] = b[o] + Σ_c Σ_r W[o, c, r / k, r % k] · Fpad[c, y + dy'(idx_r), x + dx'(idx_r)].
 * Without a guide AdaConv is a plain k×k convolution with zero padding (k−1)/2.
 *
 * The selection is computed once per (guide, n, k) by `adaSelect` (or `convSelect` for the
 * plain case) into an index map [k², H, W] of source pixels, and reused by every adaConv call
 * that shares it. Two plans compute the same sums:
 * - direct (devices with subgroups of ≥ 8 lanes; shaders/adaconv_direct.wgsl): conv2d's
 *   implicit GEMM with a gathered operand. x is packed channels-last, the weight as
 *   [k², C, O], and one product reads, for tap r of pixel p, the packed source sel[r, p] in
 *   place (no column matrix). dW is one product per tap over all pixels (x at the sources
 *   against dY). dX: each tap's readers of every pixel become bit masks (an integer atomicOr,
 *   order-free), then one product with the transposed weight whose operand for (pixel q, tap r)
 *   sums dY over q's readers in a fixed order: no float atomics, the same bits on every run.
 * - gather (every other device): the selected neighbours are gathered into columns
 *   [C·k², H·W] and multiplied by W [O, C·k²] with the engine's matmul; dW = dY · colsᵀ
 *   (columns gathered again, not kept), dX = the deterministic scatter of dYᵀ · W.
 * db = Σ_pixels dY. No gradient flows to the guide. withAdaConvPlan forces a plan (tests run
 * both wherever they can; the backward follows the plan of its forward).
 */
import source from '../../shaders/adaconv.wgsl';
import directSource from '../../shaders/adaconv_direct.wgsl';
import regTile from '../../shaders/regtile.wgsl';
import { ForcedChoice, GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { roundUp4 } from '../gpu/recorder.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { empty, fmtShape, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import type { Gpu } from '../gpu/index.ts';
import { add } from './binary.ts';
import { zeros } from './fill.ts';
import { matmul, subgroupMatmulFits } from './matmul.ts';
import { sum } from './reduce.ts';
import { permute } from './shape.ts';
import { checkFinite, checkInputs, drop } from './util.ts';

const FILE = 'adaconv.wgsl';
/** Channels per invocation of the dX scatter (a register block in the shader). */
const BLOCK_CHANNELS = wgslConstants(FILE, source, 'BLOCK_').get('channels')!;
const DIRECT = 'adaconv_direct.wgsl';

/** adaConv's two implementations (see the file's comment). */
export type AdaConvPlan = 'direct' | 'gather';

const forcedPlan = new ForcedChoice();

/** The plans that can run on `gpu`: 'direct' needs subgroups of ≥ 8 lanes; 'gather' runs anywhere. */
export function adaConvPlans(gpu: Gpu): AdaConvPlan[] {
  return subgroupMatmulFits(gpu) ? ['direct', 'gather'] : ['gather'];
}

/** Runs `fn` with every adaConv on `gpu` using `plan` (its backward follows its forward's plan). */
export function withAdaConvPlan<T>(gpu: Gpu, plan: AdaConvPlan, fn: () => T): T {
  const op = 'adaConv';
  if (plan !== 'direct' && plan !== 'gather') throw new GpuUsageError(op, `plan: expected 'direct' or 'gather', got ${String(plan)}`);
  if (!adaConvPlans(gpu).includes(plan)) {
    throw new GpuUsageError(op, `plan: expected 'gather' on this device (the direct kernels need the subgroups feature with ≥ 8 lanes), got '${plan}'`);
  }
  return forcedPlan.run(gpu, plan, fn);
}

function useDirect(gpu: Gpu): boolean {
  const plan = forcedPlan.get(gpu);
  return plan === undefined ? subgroupMatmulFits(gpu) : plan === 'direct';
}

/** Which source pixel each kernel slot reads, per pixel: reusable across layers. */
export class AdaSelection {
  constructor(
    /** u32 [k², H, W]: flat source pixel y·W + x, or 0xffffffff for a zero tap. */
    readonly index: Tensor,
    readonly kernelSize: number,
    /** Largest Chebyshev distance between a pixel and a source it reads. */
    readonly radius: number,
  ) {}

  get height(): number {
    return this.index.shape[1];
  }

  get width(): number {
    return this.index.shape[2];
  }

  /** Frees the index map (adaConv outputs that saved it keep their own handle). */
  dispose(): void {
    this.index.dispose();
  }
}

function checkOdd(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v % 2 === 0) throw new GpuUsageError(op, `${name}: expected an odd positive integer, got ${v}`);
}

/** The guide's [H, W] from [H, W], [1, H, W] or [1, 1, H, W]. */
function guideSize(op: string, guide: Tensor): [number, number] {
  const s = guide.shape;
  if (s.length < 2 || s.length > 4 || s.slice(0, -2).some((d) => d !== 1)) {
    throw new GpuUsageError(op, `guide shape: expected [H, W] or [1, 1, H, W], got ${fmtShape(s)}`);
  }
  return [s[s.length - 2], s[s.length - 1]];
}

function launchSelect(gpu: Gpu, h: number, w: number, n: number, k: number, guided: boolean, guide: Tensor | null, guidePad: number): Tensor {
  const index = empty(gpu, [k * k, h, w], 'u32', 'adaSelect');
  if (h * w > 0) {
    const kern = gpu.kernel({ file: FILE, source, entry: 'adaconv_select' });
    const params = { h, w, n, k, guided: Number(guided), guide_pad: guidePad };
    // The plain case reads no guide but the binding must hold some other buffer.
    const dummy = guide ? null : empty(gpu, [1], 'f32', 'convSelect guide');
    kern.dispatch({ guide: (guide ?? dummy!).buffer, sel_out: index.buffer }, params, kern.grid1d(h * w));
    dummy?.dispose();
  }
  return index;
}

/**
 * Per pixel, the k² positions of an n × n window with the smallest guide values (guide padded
 * with `guidePad`, ascending, ties by window index), reflected into the image.
 * guide: [H, W] or [1, 1, H, W] f32; n ≥ k, both odd; H, W ≥ (n−1)/2 + 1 (reflect padding).
 */
export function adaSelect(guide: Tensor, n: number, k: number, guidePad = 999): AdaSelection {
  const op = 'adaSelect';
  checkInputs(op, [guide]);
  checkOdd(op, 'window size n', n);
  checkOdd(op, 'kernel size k', k);
  if (k > n) throw new GpuUsageError(op, `kernel size k: expected k ≤ window size n = ${n}, got ${k}`);
  checkFinite(op, 'guidePad', guidePad);
  const [h, w] = guideSize(op, guide);
  const p = (n - 1) / 2;
  if (h < p + 1 || w < p + 1) {
    throw new GpuUsageError(op, `guide shape: expected H and W ≥ ${p + 1} for reflect padding by ${p}, got ${fmtShape(guide.shape)}`);
  }
  return new AdaSelection(launchSelect(guide.gpu, h, w, n, k, true, guide, guidePad), k, p);
}

/** The selection of a plain k × k convolution with zero padding (k−1)/2 (AdaConv without a guide). */
export function convSelect(gpu: Gpu, height: number, width: number, k: number): AdaSelection {
  const op = 'convSelect';
  checkOdd(op, 'kernel size k', k);
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new GpuUsageError(op, `${name}: expected a non-negative integer, got ${v}`);
  }
  return new AdaSelection(launchSelect(gpu, height, width, k, k, false, null, 0), k, (k - 1) / 2);
}

/** cols [C·k², H·W]: the selected neighbours of every pixel, rows in weight order (c, r). */
function gatherCols(x: Tensor, index: Tensor, c: number): Tensor {
  const [kk, h, w] = index.shape;
  const cols = empty(x.gpu, [c * kk, h * w], 'f32', 'adaConv cols');
  if (cols.size > 0) {
    const kern = x.gpu.kernel({ file: FILE, source, entry: 'adaconv_gather' });
    kern.dispatch({ x: x.buffer, sel: index.buffer, cols: cols.buffer }, { c, hw: h * w, kk }, kern.grid1d(kk * h * w));
  }
  return cols;
}

/** dx [C, H, W] from g [H·W, k²·C] = dYᵀ · W (slot-major columns), scattered to the sources. */
function scatterX(g: Tensor, index: Tensor, c: number, radius: number): Tensor {
  const [kk, h, w] = index.shape;
  const dx = empty(g.gpu, [c, h, w], 'f32', 'dAdaConv/dx');
  const blocks = Math.ceil(c / BLOCK_CHANNELS);
  if (dx.size > 0) {
    const kern = g.gpu.kernel({ file: FILE, source, entry: 'adaconv_backward_x' });
    kern.dispatch({ g: g.buffer, sel: index.buffer, dx: dx.buffer }, { c, h, w, kk, radius, blocks }, kern.grid1d(blocks * h * w));
  }
  return dx;
}

interface Dims {
  c: number;
  o: number;
  kk: number;
  hw: number;
}

function checkConv(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, sel: AdaSelection): Dims {
  checkInputs(op, bias ? [x, weight, bias] : [x, weight]);
  checkSelection(op, sel, x.gpu);
  return checkShapes(op, x.shape, weight.shape, bias?.shape ?? null, sel, 'x');
}

function checkSelection(op: string, sel: AdaSelection, gpu: Gpu): void {
  if (!(sel instanceof AdaSelection)) throw new GpuUsageError(op, `selection: expected an AdaSelection (adaSelect / convSelect), got ${String(sel)}`);
  sel.index.assertLive(op);
  if (sel.index.gpu !== gpu) throw new GpuUsageError(op, 'selection: expected one on the same GPU as x, got one from another device');
}

/** x (or dy, named `xName`) [1, C, H, W] or [C, H, W] on the selection's image, weight [O, C, k, k], bias [O]. */
function checkShapes(op: string, xs: Shape, ws: Shape, bs: Shape | null, sel: AdaSelection, xName: string): Dims {
  const [h, w, k] = [sel.height, sel.width, sel.kernelSize];
  const r = xs.length;
  if ((r !== 3 && r !== 4) || (r === 4 && xs[0] !== 1) || xs[r - 2] !== h || xs[r - 1] !== w) {
    throw new GpuUsageError(op, `${xName} shape: expected [1, ${xName === 'x' ? 'C' : 'O'}, ${h}, ${w}] or [${xName === 'x' ? 'C' : 'O'}, ${h}, ${w}] (the selection's image), got ${fmtShape(xs)}`);
  }
  const c = xs[r - 3];
  const o = ws[0];
  if (ws.length !== 4 || ws[1] !== c || ws[2] !== k || ws[3] !== k) {
    throw new GpuUsageError(op, `weight shape: expected [O, ${c}, ${k}, ${k}], got ${fmtShape(ws)}`);
  }
  if (bs && (bs.length !== 1 || bs[0] !== o)) throw new GpuUsageError(op, `bias shape: expected [${o}], got ${fmtShape(bs)}`);
  return { c, o, kk: k * k, hw: h * w };
}

/**
 * AdaConv of x [1, C, H, W] or [C, H, W] with weight [O, C, k, k], bias [O] or null, and a
 * selection from adaSelect (guided) or convSelect (plain zero-padded conv). Output [1, O, H, W]
 * or [O, H, W] like x. Differentiable w.r.t. x, weight and bias.
 */
export function adaConv(x: Tensor, weight: Tensor, bias: Tensor | null, selection: AdaSelection): Tensor {
  const op = 'adaConv';
  const d = checkConv(op, x, weight, bias, selection);
  const outShape: Shape = [...x.shape.slice(0, -3), d.o, selection.height, selection.width];
  const index = selection.index;
  const radius = selection.radius;
  const direct = useDirect(x.gpu) && d.hw > 0 && d.c > 0 && d.o > 0;
  const y = direct ? directForward(x, weight, bias, index, d) : noGrad(() => {
    const cols = gatherCols(x, index, d.c);
    const w2 = view(weight, [d.o, d.c * d.kk]);
    const prod = matmul(w2, cols);
    cols.dispose();
    w2.dispose();
    if (!bias) return prod;
    const b2 = view(bias, [d.o, 1]);
    const withBias = add(prod, b2);
    for (const t of [prod, b2]) t.dispose();
    return withBias;
  });
  const out = view(y, outShape);
  y.dispose();
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(op, inputs, out, [x, weight, index], (dy, [xs, ws, idx], needs) => {
    const dy2 = view(dy, [d.o, d.hw]);
    // dy packed channels-last once for both direct products.
    const dyp = direct && (needs[0] || needs[1]) ? packPixels(dy2, d.o, d.hw) : null;
    const grads = [
      needs[0] ? inputGrad(direct, dy2, dyp, ws, idx, d, radius, xs.shape) : null,
      needs[1] ? weightGrad(direct, dy2, dyp, xs, idx, d, ws.shape) : null,
      needs[2] ? sum(dy2, [1]) : null, // db = Σ over pixels of dY
    ];
    drop(dy2, dyp);
    return grads.slice(0, inputs.length);
  });
}

/** dX of either plan, shaped `shape`; dyp is dy packed (direct plan only). */
function inputGrad(direct: boolean, dy2: Tensor, dyp: Tensor | null, weight: Tensor, index: Tensor, d: Dims, radius: number, shape: Shape): Tensor {
  if (!direct) return gradX(dy2, weight, index, d, radius, shape);
  const dx = directGradX(dyp!, weight, index, d, radius);
  const out = view(dx, shape);
  dx.dispose();
  return out;
}

/** dW of either plan, shaped `shape` ([O, C, k, k]); dyp is dy packed (direct plan only). */
function weightGrad(direct: boolean, dy2: Tensor, dyp: Tensor | null, x: Tensor, index: Tensor, d: Dims, shape: Shape): Tensor {
  return direct ? directGradWeight(x, dyp!, index, d, shape) : gradWeight(dy2, x, index, d, shape);
}

/**
 * dL/dx of adaConv for the output gradient dy [1, O, H, W] or [O, H, W] (no tape, like
 * conv2dInputGrad): [1, C, H, W] or [C, H, W] like dy, C = weight.shape[1].
 */
export function adaConvInputGrad(dy: Tensor, weight: Tensor, selection: AdaSelection): Tensor {
  const op = 'adaConvInputGrad';
  checkInputs(op, [dy, weight]);
  checkSelection(op, selection, dy.gpu);
  // dy checked as an x of O channels against the weight's transpose [C, O, k, k].
  const [o, c, k] = [weight.shape[0], weight.shape[1], selection.kernelSize];
  if (weight.rank !== 4) throw new GpuUsageError(op, `weight shape: expected [O, C, ${k}, ${k}], got ${fmtShape(weight.shape)}`);
  checkShapes(op, dy.shape, [c, o, weight.shape[2], weight.shape[3]], null, selection, 'dy');
  const d = { c, o, kk: k * k, hw: selection.height * selection.width };
  const xShape = [...dy.shape.slice(0, -3), c, selection.height, selection.width];
  const direct = useDirect(dy.gpu) && d.hw > 0 && d.c > 0 && d.o > 0;
  const dy2 = view(dy, [d.o, d.hw]);
  const dyp = direct ? packPixels(dy2, d.o, d.hw) : null;
  const dx = noGrad(() => inputGrad(direct, dy2, dyp, weight, selection.index, d, selection.radius, xShape));
  drop(dy2, dyp);
  return dx;
}

/** dL/dW [O, C, k, k] of adaConv for x [1, C, H, W] or [C, H, W] and dy [1, O, H, W] or [O, H, W] (no tape). */
export function adaConvWeightGrad(x: Tensor, dy: Tensor, selection: AdaSelection): Tensor {
  const op = 'adaConvWeightGrad';
  checkInputs(op, [x, dy]);
  checkSelection(op, selection, x.gpu);
  const k = selection.kernelSize;
  const c = x.shape[x.rank - 3] ?? 0;
  const oShape = checkShapes(op, dy.shape, [c, dy.shape[dy.rank - 3] ?? 0, k, k], null, selection, 'dy');
  const d = checkShapes(op, x.shape, [oShape.c, c, k, k], null, selection, 'x');
  const direct = useDirect(x.gpu) && d.hw > 0 && d.c > 0 && d.o > 0;
  const dy2 = view(dy, [d.o, d.hw]);
  const dyp = direct ? packPixels(dy2, d.o, d.hw) : null;
  const dw = noGrad(() => weightGrad(direct, dy2, dyp, x, selection.index, d, [d.o, c, k, k]));
  drop(dy2, dyp);
  return dw;
}

// dW = dY · colsᵀ: [O, H·W] · [H·W, C·k²].
function gradWeight(dy2: Tensor, x: Tensor, index: Tensor, d: Dims, shape: Shape): Tensor {
  const cols = gatherCols(x, index, d.c);
  const dw = matmul(dy2, cols, { transposeB: true });
  cols.dispose();
  const out = view(dw, shape);
  dw.dispose();
  return out;
}

// dcols = Wᵀ · dY, taken as g = dYᵀ · W' [H·W, k²·C] with W' = W permuted to [O, k², C] so each
// (pixel, slot) row holds its channels contiguously; then scattered to the source pixels.
function gradX(dy2: Tensor, weight: Tensor, index: Tensor, d: Dims, radius: number, shape: Shape): Tensor {
  const w3 = view(weight, [d.o, d.c, d.kk]);
  const wp = permute(w3, [0, 2, 1]);
  const wp2 = view(wp, [d.o, d.kk * d.c]);
  const g = matmul(dy2, wp2, { transposeA: true });
  const dx = scatterX(g, index, d.c, radius);
  for (const t of [w3, wp, wp2, g]) t.dispose();
  const out = view(dx, shape);
  dx.dispose();
  return out;
}

// ---- The direct plan (shaders/adaconv_direct.wgsl) ----

/** Every Params member of adaconv_direct.wgsl, neutral values (each dispatch sets what it uses). */
const DIRECT_BASE = {
  hw: 1, h: 1, w: 1, kk: 1, c: 0, cp: 4, o: 0, op: 4, flip: 0, kp: 4, np: 4, ncols: 0, has_bias: 0, tiles: 0, tiles_n: 0, radius: 0, blocks: 0,
};

/** Rows × columns of each direct product's tile: 32 × 32 (a 64-row tile only when the rows are > 32 channels). */
interface Tile {
  tm: number;
  tn: number;
}

function directKernel(gpu: Gpu, entry: string, tile?: Tile) {
  // The register-tile update is matmul's (regtile.wgsl), appended after the file's last line.
  return gpu.kernel({ file: DIRECT, source: `${directSource}\n${regTile}`, entry, overrides: tile ? { TM: tile.tm, TN: tile.tn } : {} });
}

/** src [C, H·W] → channels-last [H·W + 1, CP] with a zero pixel at H·W. */
function packPixels(src: Tensor, c: number, hw: number): Tensor {
  const cp = roundUp4(c);
  const out = empty(src.gpu, [hw + 1, cp], 'f32', 'adaConv.pack');
  const k = directKernel(src.gpu, 'adaconv_pack');
  k.dispatch({ src: src.buffer, packed: out.buffer }, { ...DIRECT_BASE, hw, c, cp }, k.grid1d(out.size / 4));
  return out;
}

/** weight [O, C, k²] → [k², CP, OP] (forward) or [k², OP, CP] (flip, for dX). */
function packWeight(weight: Tensor, d: Dims, flip: boolean): Tensor {
  const [cp, op] = [roundUp4(d.c), roundUp4(d.o)];
  const out = empty(weight.gpu, flip ? [d.kk, op, cp] : [d.kk, cp, op], 'f32', 'adaConv.packWeight');
  const k = directKernel(weight.gpu, 'adaconv_pack_weight');
  k.dispatch({ src: weight.buffer, packed: out.buffer }, { ...DIRECT_BASE, kk: d.kk, c: d.c, cp, o: d.o, op, flip: Number(flip) }, k.grid1d(out.size / 4));
  return out;
}

/** out [ncols, H·W] = bias + Σ_r A_r · wp[r], A_r's rows the packed pixels sel[r, ·] of `a`. */
function directProduct(a: Tensor, wp: Tensor, index: Tensor, bias: Tensor | null, kp: number, ncols: number): Tensor {
  const [kk, h, w] = index.shape;
  const hw = h * w;
  const np = roundUp4(ncols);
  const out = empty(a.gpu, [ncols, hw], 'f32', 'adaConv');
  const k = directKernel(a.gpu, 'adaconv_direct_product', { tm: 32, tn: 32 });
  const tilesN = Math.ceil(np / k.constant('TN'));
  const tiles = Math.ceil(hw / k.constant('TM')) * tilesN;
  const params = { ...DIRECT_BASE, hw, kk, kp, np, ncols, has_bias: Number(bias !== null), tiles, tiles_n: tilesN };
  k.dispatch({ a: a.buffer, wp: wp.buffer, sel: index.buffer, bias: (bias ?? wp).buffer, out: out.buffer }, params, k.grid1d(tiles * k.workgroupSize[0]));
  return out;
}

/** y [O, H·W] = bias + Σ_{c, r} W[·, c, r] · x[c, sel[r, ·]]: pack x, pack W, one product. */
function directForward(x: Tensor, weight: Tensor, bias: Tensor | null, index: Tensor, d: Dims): Tensor {
  const xp = packPixels(x, d.c, d.hw);
  const wp = packWeight(weight, d, false);
  const y = directProduct(xp, wp, index, bias, roundUp4(d.c), d.o);
  drop(xp, wp);
  return y;
}

/**
 * dx [C, H·W]: each tap's readers of every pixel as bit masks (readers [k², H·W, words], an
 * integer atomicOr), then one product with Wᵀ whose A operand sums dy over the readers.
 */
function directGradX(dyp: Tensor, weight: Tensor, index: Tensor, d: Dims, radius: number): Tensor {
  const [kk, h, w] = index.shape;
  const [cp, op] = [roundUp4(d.c), roundUp4(d.o)];
  const side = 2 * radius + 1;
  const readers = zeros(dyp.gpu, [kk, d.hw, Math.ceil((side * side) / 32)], 'u32');
  const base = { ...DIRECT_BASE, hw: d.hw, h, w, kk, c: d.c, cp, o: d.o, op, radius };
  const kr = directKernel(dyp.gpu, 'adaconv_readers');
  kr.dispatch({ sel: index.buffer, readers: readers.buffer }, base, kr.grid1d(kk * d.hw));
  const wt = packWeight(weight, d, true);
  const dx = empty(dyp.gpu, [d.c, d.hw], 'f32', 'dAdaConv/dx');
  const k = directKernel(dyp.gpu, 'adaconv_direct_input', { tm: 32, tn: 32 });
  const tilesN = Math.ceil(cp / k.constant('TN'));
  const tiles = Math.ceil(d.hw / 32) * tilesN;
  k.dispatch({ dyp: dyp.buffer, readers_in: readers.buffer, wp: wt.buffer, out: dx.buffer }, { ...base, tiles, tiles_n: tilesN }, k.grid1d(tiles * k.workgroupSize[0]));
  drop(readers, wt);
  return dx;
}

/** dW [O, C, k, k]: per tap, Σ_p x[c, sel[r, p]] · dy[o, p] (one product with K = H·W per tap). */
function directGradWeight(x: Tensor, dyp: Tensor, index: Tensor, d: Dims, shape: Shape): Tensor {
  const [cp, op] = [roundUp4(d.c), roundUp4(d.o)];
  const xp = packPixels(x, d.c, d.hw);
  const out = empty(x.gpu, shape, 'f32', 'dAdaConv/dw');
  const tile = { tm: cp > 32 ? 64 : 32, tn: 32 };
  const k = directKernel(x.gpu, 'adaconv_direct_backward_weight', tile);
  const tilesN = Math.ceil(op / tile.tn);
  const tiles = d.kk * Math.ceil(cp / tile.tm) * tilesN;
  const params = { ...DIRECT_BASE, hw: d.hw, kk: d.kk, c: d.c, cp, o: d.o, op, tiles, tiles_n: tilesN };
  k.dispatch({ a: xp.buffer, dyp: dyp.buffer, sel: index.buffer, out: out.buffer }, params, k.grid1d(tiles * k.workgroupSize[0]));
  xp.dispose();
  return out;
}

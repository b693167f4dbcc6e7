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
 * that shares it. adaConv gathers the selected neighbours into columns [C·k², H·W] and
 * multiplies them by W [O, C·k²] with the engine's matmul (gather-then-multiply).
 * Backward: dW = dY · colsᵀ (columns gathered again, not kept), db = Σ_pixels dY,
 * dX = the deterministic scatter of dY ᵀ· W (no atomics; see the shader). No gradient flows
 * to the guide.
 */
import source from '../../shaders/adaconv.wgsl';
import { GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { empty, fmtShape, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import type { Gpu } from '../gpu/index.ts';
import { add } from './binary.ts';
import { matmul } from './matmul.ts';
import { sum } from './reduce.ts';
import { permute } from './shape.ts';
import { checkFinite, checkInputs } from './util.ts';

const FILE = 'adaconv.wgsl';
/** Channels per invocation of the dX scatter (a register block in the shader). */
const BLOCK_CHANNELS = wgslConstants(FILE, source, 'BLOCK_').get('channels')!;

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
  if (!(sel instanceof AdaSelection)) throw new GpuUsageError(op, `selection: expected an AdaSelection (adaSelect / convSelect), got ${String(sel)}`);
  sel.index.assertLive(op);
  if (sel.index.gpu !== x.gpu) throw new GpuUsageError(op, 'selection: expected one on the same GPU as x, got one from another device');
  const [h, w, k] = [sel.height, sel.width, sel.kernelSize];
  if ((x.rank !== 3 && x.rank !== 4) || (x.rank === 4 && x.shape[0] !== 1) || x.shape[x.rank - 2] !== h || x.shape[x.rank - 1] !== w) {
    throw new GpuUsageError(op, `x shape: expected [1, C, ${h}, ${w}] or [C, ${h}, ${w}] (the selection's image), got ${fmtShape(x.shape)}`);
  }
  const c = x.shape[x.rank - 3];
  const o = weight.shape[0];
  if (weight.rank !== 4 || weight.shape[1] !== c || weight.shape[2] !== k || weight.shape[3] !== k) {
    throw new GpuUsageError(op, `weight shape: expected [O, ${c}, ${k}, ${k}], got ${fmtShape(weight.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) throw new GpuUsageError(op, `bias shape: expected [${o}], got ${fmtShape(bias.shape)}`);
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
  const y = noGrad(() => {
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
    const grads = [
      needs[0] ? gradX(dy2, ws, idx, d, radius, xs.shape) : null,
      needs[1] ? gradWeight(dy2, xs, idx, d, ws.shape) : null,
      needs[2] ? sum(dy2, [1]) : null, // db = Σ over pixels of dY
    ];
    dy2.dispose();
    return grads.slice(0, inputs.length);
  });
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

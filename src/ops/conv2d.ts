/**
 * 2-D convolution over NCHW tensors (as torch.nn.functional.conv2d, plus padding_mode and a tap
 * mask). Two plans, the same numbers:
 * - direct (devices with subgroups of ≥ 8 lanes, one group; ops/conv2d_direct.ts): x and
 *   dy are packed channels-last with their zero padding, the weight as [KH·KW, C, O] times the
 *   mask, then one implicit-GEMM product reads x in place (no patch matrix). Forward, dx (a
 *   stride-1 conv of zero-dilated dy with the rotated, transposed weight) and dWeight (one product
 *   over all pixels) are 3 dispatches each; masked taps are skipped. Measured 2–4× faster than
 *   the unfold plan on lavapipe (bench/conv2d.bench.ts).
 * - unfold (everywhere else, and groups > 1): a patch transform and a matrix product per group:
 *   col = unfold(x)  [N, G, KP, HO·WO]      (shaders/conv2d.wgsl, mask applied to the taps)
 *   y[n, g] = W[g] · col[n, g]  [N, O, HO, WO]  (ops/matmul.ts: subgroup register tiles)
 * so the gradients are matrix products too: dW = dY · colᵀ (the filter gradient as one product
 * with K = HO·WO, docs/engine.md#kernel-choice), dcol = Wᵀ · dY, then dx = fold(dcol), a deterministic
 * gather (the unfold's adjoint); dBias sums dY over N, H, W. Each piece records its own tape
 * node, so the rules compose through autograd. The unfold pads the patch rows to a multiple of
 * 4 (zero rows, and zero weight columns through pad) so matmul takes its vec4 loads.
 * 1×1 kernels with stride 1 and no padding or mask skip the unfold: x is the patch matrix.
 * padding_mode 'reflect' pads x first (ops/shape.ts pad, whose gradient folds the mirror back).
 * withConv2dPlan (conv2d_direct.ts) forces either plan, so tests run both wherever they can.
 */
import source from '../../shaders/conv2d.wgsl';
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { roundUp4 } from '../gpu/recorder.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { empty, fmtShape, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { add } from './binary.ts';
import { tensor } from './fill.ts';
import { matmul } from './matmul.ts';
import { conv2dDirect, directInputGrad, directWeightGrad, gates, useDirect } from './conv2d_direct.ts';
import { sum } from './reduce.ts';
import { pad, reshape, slice } from './shape.ts';
import { checkInputs, drop, elementGrid, pair, type Pair } from './util.ts';

const FILE = 'conv2d.wgsl';
const OP = 'conv2d';

export type PaddingMode = 'zeros' | 'reflect';
export type { Pair };

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  /** 'zeros' (default) or 'reflect' (mirror without repeating the edge; padding < input size). */
  paddingMode?: PaddingMode;
  dilation?: Pair;
  groups?: number;
  /** A fixed [KH, KW] f32 tensor of 0/1 gating the kernel taps (blind-spot convolution). */
  mask?: Tensor | null;
}

/** The resolved geometry of one convolution. */
export interface ConvGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  g: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  ho: number;
  wo: number;
}

/** Validates shapes and options; throws before any GPU work. */
export function convGeometry(op: string, xShape: Shape, wShape: Shape, bias: Tensor | null, opts: Conv2dOptions): ConvGeometry {
  if (xShape.length !== 4) throw new GpuUsageError(op, `x: expected [N, C, H, W], got ${fmtShape(xShape)}`);
  if (wShape.length !== 4) throw new GpuUsageError(op, `weight: expected [O, C/groups, KH, KW], got ${fmtShape(wShape)}`);
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const g = opts.groups ?? 1;
  if (!Number.isInteger(g) || g < 1) throw new GpuUsageError(op, `groups: expected a positive integer, got ${g}`);
  if (c % g !== 0 || o % g !== 0) throw new GpuUsageError(op, `groups: expected a divisor of the input channels ${c} and output channels ${o}, got ${g}`);
  if (cg !== c / g) throw new GpuUsageError(op, `weight: expected [O, ${c / g}, KH, KW] for ${c} input channels in ${g} group(s), got ${fmtShape(wShape)}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== o)) throw new GpuUsageError(op, `bias: expected [${o}], got ${fmtShape(bias.shape)}`);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1, 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, 0, 0);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1, 1);
  const mode = opts.paddingMode ?? 'zeros';
  if (mode !== 'zeros' && mode !== 'reflect') throw new GpuUsageError(op, `paddingMode: expected 'zeros' or 'reflect', got ${String(mode)}`);
  if (mode === 'reflect' && (ph >= h || pw >= w) && ph + pw > 0) {
    throw new GpuUsageError(op, `reflect padding: expected [${ph}, ${pw}] < the input size [${h}, ${w}], got [${ph}, ${pw}]`);
  }
  const mask = opts.mask ?? null;
  if (mask && (mask.rank !== 2 || mask.shape[0] !== kh || mask.shape[1] !== kw)) {
    throw new GpuUsageError(op, `mask: expected [${kh}, ${kw}] like the kernel, got ${fmtShape(mask.shape)}`);
  }
  const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const wo = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (ho < 1 || wo < 1) {
    throw new GpuUsageError(op, `output size: expected ≥ 1 for input ${fmtShape(xShape)}, kernel [${kh}, ${kw}], padding [${ph}, ${pw}], dilation [${dh}, ${dw}], got [${ho}, ${wo}]`);
  }
  return { n, c, h, w, o, g, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo };
}

/** Patch rows per group, padded to a multiple of 4 (vec4 loads in matmul). */
export function patchRows(geo: ConvGeometry): { k: number; kp: number } {
  const k = (geo.c / geo.g) * geo.kh * geo.kw;
  return { k, kp: roundUp4(k) };
}

function unfoldParams(geo: ConvGeometry): Record<string, number> {
  const { k, kp } = patchRows(geo);
  return {
    n: geo.n, c: geo.c, h: geo.h, w: geo.w, g: geo.g, cg: geo.c / geo.g, kh: geo.kh, kw: geo.kw, sh: geo.sh, sw: geo.sw,
    ph: geo.ph, pw: geo.pw, dh: geo.dh, dw: geo.dw, ho: geo.ho, wo: geo.wo, k, kp,
  };
}

/** dx = fold(dcol): each input element sums the patch entries that copied it. */
function fold(geo: ConvGeometry, dcol: Tensor, mask: Tensor): Tensor {
  const dx = empty(dcol.gpu, [geo.n, geo.c, geo.h, geo.w], 'f32', 'dconv2d');
  const k = dcol.gpu.kernel({ file: FILE, source, entry: 'conv2d_unfold_backward' });
  if (dx.size > 0) k.dispatch({ dcol: dcol.buffer, mask: mask.buffer, dx: dx.buffer }, unfoldParams(geo), elementGrid(k, dx.size));
  return dx;
}

/**
 * The patch matrix [N, G, KP, HO·WO] of x (zero padding; taps scaled by `mask` [KH·KW]);
 * differentiable w.r.t. x (its gradient is fold(dcol)). Building block of conv2d.
 */
export function unfold(geo: ConvGeometry, x: Tensor, mask: Tensor): Tensor {
  const { kp } = patchRows(geo);
  const col = empty(x.gpu, [geo.n, geo.g, kp, geo.ho * geo.wo], 'f32', 'unfold');
  const k = x.gpu.kernel({ file: FILE, source, entry: 'conv2d_unfold_forward' });
  if (col.size > 0) k.dispatch({ x: x.buffer, mask: mask.buffer, col: col.buffer }, unfoldParams(geo), elementGrid(k, col.size));
  // dx = fold(dcol), the adjoint of the copy; the mask is fixed (no gradient).
  return record('unfold', [x], col, [mask], (dcol, [m]) => [fold(geo, dcol, m)]);
}

/** A [kh, kw] mask of ones with the centre tap 0 (the blind-spot convolution's mask). */
export function centreMask(gpu: Gpu, kh = 3, kw = kh): Tensor {
  for (const [name, v] of [['kh', kh], ['kw', kw]] as const) {
    if (!Number.isInteger(v) || v < 1 || v % 2 === 0) throw new GpuUsageError('centreMask', `${name}: expected an odd positive integer (a kernel with a centre), got ${v}`);
  }
  const m = new Float32Array(kh * kw).fill(1);
  m[((kh - 1) / 2) * kw + (kw - 1) / 2] = 0;
  return tensor(gpu, m, [kh, kw]);
}

/** The patch matrix for conv2d: x itself for a plain 1×1 kernel, else the unfold. */
/** A 1×1 kernel, stride 1, no padding or mask: x itself is the patch matrix. */
export function plain1x1(geo: ConvGeometry, mask: Tensor | null): boolean {
  return geo.kh === 1 && geo.kw === 1 && geo.sh === 1 && geo.sw === 1 && geo.ph === 0 && geo.pw === 0 && !mask;
}

function patches(geo: ConvGeometry, x: Tensor, mask: Tensor | null): Tensor {
  if (plain1x1(geo, mask)) return reshape(x, [geo.n, geo.g, geo.c / geo.g, geo.h * geo.w]);
  const m = gates(x.gpu, geo, mask);
  const col = unfold(geo, x, m);
  m.dispose();
  return col;
}

/** The weight as [G, O/G, KP] (zero columns past K, through pad so its gradient slices back). */
function weightMatrix(geo: ConvGeometry, weight: Tensor, rows: number): Tensor {
  const wm = reshape(weight, [geo.g, geo.o / geo.g, (geo.c / geo.g) * geo.kh * geo.kw]);
  if (wm.shape[2] === rows) return wm;
  const wp = pad(wm, [[0, rows - wm.shape[2]]]);
  wm.dispose();
  return wp;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of x [N, C, H, W] with weight
 * [O, C/groups, KH, KW] and an optional bias [O]; returns [N, O, HO, WO] with
 * HO = ⌊(H + 2·PH − DH·(KH − 1) − 1) / SH⌋ + 1 (likewise WO). Differentiable w.r.t. x, weight
 * and bias. `mask` [KH, KW] gates the taps (its gradient is not computed: a fixed mask).
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkInputs(OP, bias ? [x, weight, bias] : [x, weight]);
  if (opts.mask) checkInputs(OP, [x, opts.mask]);
  let geo = convGeometry(OP, x.shape, weight.shape, bias, opts);
  const direct = useDirect(x.gpu, geo);
  let xin = x;
  if ((opts.paddingMode ?? 'zeros') === 'reflect' && geo.ph + geo.pw > 0) {
    xin = pad(x, [[geo.ph, geo.ph], [geo.pw, geo.pw]], 'reflect');
    geo = { ...geo, h: geo.h + 2 * geo.ph, w: geo.w + 2 * geo.pw, ph: 0, pw: 0 };
  }
  if (direct && !plain1x1(geo, opts.mask ?? null)) {
    const y = conv2dDirect(geo, xin, weight, bias, opts.mask ?? null);
    if (xin !== x) drop(xin);
    return y;
  }
  const col = patches(geo, xin, opts.mask ?? null);
  if (xin !== x) drop(xin);
  const wm = weightMatrix(geo, weight, col.shape[2]);
  const prod = matmul(wm, col);
  drop(wm, col);
  const y = reshape(prod, [geo.n, geo.o, geo.ho, geo.wo]);
  drop(prod);
  if (!bias) return y;
  const b = reshape(bias, [geo.o, 1, 1]);
  const out = add(y, b);
  drop(y, b);
  return out;
}

/** Geometry for the standalone gradients: zero padding only (reflect goes through backward()). */
function gradGeometry(op: string, xShape: Shape, wShape: Shape, dy: Tensor, opts: Conv2dOptions): ConvGeometry {
  if ((opts.paddingMode ?? 'zeros') !== 'zeros') throw new GpuUsageError(op, `paddingMode: expected 'zeros' (use backward() through conv2d for reflect), got ${String(opts.paddingMode)}`);
  const geo = convGeometry(op, xShape, wShape, null, opts);
  const want = [geo.n, geo.o, geo.ho, geo.wo];
  if (dy.rank !== 4 || dy.shape.some((d, i) => d !== want[i])) throw new GpuUsageError(op, `dy: expected ${fmtShape(want)}, got ${fmtShape(dy.shape)}`);
  return geo;
}

/**
 * dx of conv2d given dy [N, O, HO, WO] and weight (as torch.nn.grad.conv2d_input): the fold of
 * Wᵀ · dY. Records nothing (what conv2d's backward computes, callable on its own).
 */
export function conv2dInputGrad(dy: Tensor, weight: Tensor, xShape: Shape, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2dInputGrad';
  checkInputs(op, opts.mask ? [dy, weight, opts.mask] : [dy, weight]);
  const geo = gradGeometry(op, xShape, weight.shape, dy, opts);
  if (useDirect(dy.gpu, geo)) {
    const g = gates(dy.gpu, geo, opts.mask ?? null);
    const dx = directInputGrad(geo, dy, weight, g);
    g.dispose();
    return dx;
  }
  return noGrad(() => {
    const { kp } = patchRows(geo);
    const wm = weightMatrix(geo, weight, kp);
    const d = view(dy, [geo.n, geo.g, geo.o / geo.g, geo.ho * geo.wo]);
    const dcol = matmul(wm, d, { transposeA: true });
    const m = gates(dy.gpu, geo, opts.mask ?? null);
    const dx = fold(geo, dcol, m);
    drop(wm, d, dcol, m);
    return dx;
  });
}

/**
 * dWeight of conv2d given x and dy (as torch.nn.grad.conv2d_weight): dY · colᵀ summed over
 * the batch, one product with K = HO·WO per image and group. Records nothing.
 */
export function conv2dWeightGrad(x: Tensor, dy: Tensor, weightShape: Shape, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2dWeightGrad';
  checkInputs(op, opts.mask ? [x, dy, opts.mask] : [x, dy]);
  const geo = gradGeometry(op, x.shape, weightShape, dy, opts);
  if (useDirect(x.gpu, geo) && !plain1x1(geo, opts.mask ?? null)) {
    const g = gates(x.gpu, geo, opts.mask ?? null);
    const dw = directWeightGrad(geo, x, dy, g);
    g.dispose();
    return dw;
  }
  return noGrad(() => {
    const col = patches(geo, x, opts.mask ?? null);
    const d = view(dy, [geo.n, geo.g, geo.o / geo.g, geo.ho * geo.wo]);
    const g = matmul(d, col, { transposeB: true });
    const gs = geo.n > 1 ? sum(g, [0]) : view(g, g.shape.slice(1));
    const k = (geo.c / geo.g) * geo.kh * geo.kw;
    const gk = gs.shape[2] === k ? view(gs, gs.shape) : slice(gs, [null, null, [0, k]]);
    const dw = view(gk, weightShape);
    drop(col, d, g, gs, gk);
    return dw;
  });
}

/**
 * conv2d's direct plan (shaders/conv2d_direct.wgsl), used on devices with subgroups of ≥ 8 lanes
 * and one group: x and dy packed channels-last with their zero padding, the weight packed as
 * [KH·KW, C, O] times the tap mask, then one implicit-GEMM product that reads x in place (no
 * patch matrix). Forward, dx (a stride-1 conv of zero-dilated dy with the rotated, transposed
 * weight) and dWeight (one product over all pixels) are 3 dispatches each. conv2d.ts holds the
 * geometry, the unfold plan and the public ops.
 */
import directSource from '../../shaders/conv2d_direct.wgsl';
import regTile from '../../shaders/regtile.wgsl';
import { bucket, ForcedChoice, GpuUsageError, type Gpu } from '../gpu/index.ts';
import { roundUp4 } from '../gpu/recorder.ts';
import { record } from '../autograd/tape.ts';
import { empty, view, type Tensor } from '../tensor/tensor.ts';
import { tensor } from './fill.ts';
import { subgroupMatmulFits } from './matmul.ts';
import { sum } from './reduce.ts';
import { drop } from './util.ts';
import type { ConvGeometry } from './conv2d.ts';

const DIRECT = 'conv2d_direct.wgsl';
const OP = 'conv2d';

/** Every Params member of conv2d_direct.wgsl, neutral values (each dispatch sets what it uses). */
const DIRECT_BASE = {
  n: 1, c: 0, h: 1, w: 1, cp: 4, hp: 1, wp: 1, top: 0, left: 0, up_h: 1, up_w: 1, cin: 0, cout: 0, op: 4,
  kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, ho: 1, wo: 1, flip: 0, has_bias: 0, tiles: 0, tiles_m: 0, tiles_n: 0,
};
type DirectParams = typeof DIRECT_BASE;

/** conv2d's two implementations: the implicit-GEMM kernels here, or unfold + matmul (conv2d.ts). */
export type Conv2dPlan = 'direct' | 'unfold';

/** A plan forced by withConv2dPlan. */
const forcedPlan = new ForcedChoice();

/** The plans that can run on `gpu`: 'direct' needs subgroups of ≥ 8 lanes; 'unfold' runs anywhere. */
export function conv2dPlans(gpu: Gpu): Conv2dPlan[] {
  return subgroupMatmulFits(gpu) ? ['direct', 'unfold'] : ['unfold'];
}

/**
 * Runs `fn` with conv2d, conv2dInputGrad and conv2dWeightGrad on `gpu` using `plan` (tests and
 * benchmarks compare both; the backward of a conv2d follows the plan of its forward). A plain
 * 1×1 conv stays a matmul in forward and dWeight under either plan. Throws when `plan` cannot
 * run here; a forced 'direct' conv with groups > 1 throws at the op.
 */
export function withConv2dPlan<T>(gpu: Gpu, plan: Conv2dPlan, fn: () => T): T {
  if (plan !== 'direct' && plan !== 'unfold') throw new GpuUsageError(OP, `plan: expected 'direct' or 'unfold', got ${String(plan)}`);
  if (!conv2dPlans(gpu).includes(plan)) {
    throw new GpuUsageError(OP, `plan: expected 'unfold' on this device (the direct kernels need the subgroups feature with ≥ 8 lanes), got '${plan}'`);
  }
  return forcedPlan.run(gpu, plan, fn);
}

/**
 * True when conv2d takes the implicit-GEMM kernels: forced by withConv2dPlan, else with one group
 * and subgroups of ≥ 8 lanes (the kernels' unrolled broadcasts, as matmul's subgroup kernel).
 * Elsewhere unfold + matmul runs.
 */
export function useDirect(gpu: Gpu, geo: ConvGeometry): boolean {
  const plan = forcedPlan.get(gpu);
  if (plan === 'direct' && geo.g !== 1) throw new GpuUsageError(OP, `plan 'direct': expected groups 1 (grouped convs run the unfold plan), got ${geo.g}`);
  return plan === undefined ? geo.g === 1 && subgroupMatmulFits(gpu) : plan === 'direct';
}

function directKernel(gpu: Gpu, entry: string, tile?: Tile) {
  // The register-tile update is matmul's (regtile.wgsl), appended after the file's last line.
  return gpu.kernel({ file: DIRECT, source: `${directSource}\n${regTile}`, entry, overrides: tile ? { TM: tile.tm, TN: tile.tn } : {} });
}

/** The three products a direct conv runs; each is tuned on its own. */
export type DirectPass = 'forward' | 'dInput' | 'dWeight';

/**
 * Rows × columns per product tile, 'direct/TMxTN' (same arithmetic per output, so the tuner may
 * pick any); columns are the product's output channels (the input's for dInput).
 */
export const DIRECT_CHOICES = ['direct/64x64', 'direct/64x32', 'direct/32x64', 'direct/32x32'];

/** A product tile: rows and columns. */
interface Tile {
  tm: number;
  tn: number;
}

/**
 * The untuned choice (lavapipe's best in interleaved `hsi tune` runs on BS3LNet's and the bench's
 * layers): 32 × 32 tiles for forward and dInput (faster than 64 × 32 in 9 of 9 and 8 of 9 layers,
 * by up to 1.3×), 64 × 32 for dWeight (its rows are input channels, few per tap).
 */
export function directDefault(pass: DirectPass): string {
  return pass === 'dWeight' ? 'direct/64x32' : 'direct/32x32';
}

/** The tuning key of one pass over `geo` (output pixels bucketed to powers of two; padding aside). */
export function directKey(pass: DirectPass, geo: ConvGeometry): string {
  const px = geo.n * geo.ho * geo.wo;
  return `conv2d.${pass} ${geo.c}>${geo.o} ${geo.kh}x${geo.kw} s${geo.sh}x${geo.sw} d${geo.dh}x${geo.dw} px${bucket(px)}`;
}

const forced = new ForcedChoice();

/** Runs `fn` with every direct product on `gpu` using `choice` (one of DIRECT_CHOICES). */
export function withDirectChoice<T>(gpu: Gpu, choice: string, fn: () => T): T {
  if (!DIRECT_CHOICES.includes(choice)) throw new GpuUsageError(OP, `choice: expected one of [${DIRECT_CHOICES.join(', ')}], got ${choice}`);
  return forced.run(gpu, choice, fn);
}

/** The tile of one pass: forced, else tuned, else the default. */
function tileFor(gpu: Gpu, pass: DirectPass, geo: ConvGeometry): Tile {
  const c = forced.get(gpu) ?? gpu.tuning.get(directKey(pass, geo));
  const [tm, tn] = (c && DIRECT_CHOICES.includes(c) ? c : directDefault(pass)).split('/')[1].split('x').map(Number);
  return { tm, tn };
}

/** src [N, C, H, W] → channels-last [N, HP, WP, CP] with zero padding / zero insertion (see the shader). */
function packInput(src: Tensor, p: Pick<DirectParams, 'n' | 'c' | 'h' | 'w' | 'cp' | 'hp' | 'wp' | 'top' | 'left' | 'up_h' | 'up_w'>): Tensor {
  const out = empty(src.gpu, [p.n, p.hp, p.wp, p.cp], 'f32', 'conv2d.packInput');
  const k = directKernel(src.gpu, 'conv2d_pack_input');
  k.dispatch({ src: src.buffer, packed: out.buffer }, { ...DIRECT_BASE, ...p }, k.grid1d(out.size / 4));
  return out;
}

/** weight → [KH·KW, CP, OP] times the mask (flip: transposed and rotated, for dInput). */
function packWeight(weight: Tensor, mask: Tensor, p: Pick<DirectParams, 'cin' | 'cout' | 'cp' | 'op' | 'kh' | 'kw' | 'flip'>): Tensor {
  const out = empty(weight.gpu, [p.kh * p.kw, p.cp, p.op], 'f32', 'conv2d.packWeight');
  const k = directKernel(weight.gpu, 'conv2d_pack_weight');
  k.dispatch({ src: weight.buffer, mask: mask.buffer, packed: out.buffer }, { ...DIRECT_BASE, ...p }, k.grid1d(out.size / 4));
  return out;
}

/** The product of conv2d_direct_forward into [N, COUT, HO, WO]. */
function directProduct(xp: Tensor, wp: Tensor, mask: Tensor, bias: Tensor | null, p: DirectParams, tile: Tile): Tensor {
  const out = empty(xp.gpu, [p.n, p.cout, p.ho, p.wo], 'f32', OP);
  const k = directKernel(xp.gpu, 'conv2d_direct_forward', tile);
  const tilesM = Math.ceil((p.n * p.ho * p.wo) / k.constant('TM'));
  const tilesN = Math.ceil(p.op / k.constant('TN'));
  const params = { ...p, has_bias: Number(bias !== null), tiles: tilesM * tilesN, tiles_m: tilesM, tiles_n: tilesN };
  k.dispatch({ xp: xp.buffer, wp: wp.buffer, mask: mask.buffer, bias: (bias ?? mask).buffer, out: out.buffer }, params, k.grid1d(params.tiles * k.workgroupSize[0]));
  return out;
}

/** The forward product's parameters for geometry `geo` (zero padding). */
function forwardParams(geo: ConvGeometry): DirectParams {
  return {
    ...DIRECT_BASE, n: geo.n, c: geo.c, h: geo.h, w: geo.w, cp: roundUp4(geo.c), hp: geo.h + 2 * geo.ph, wp: geo.w + 2 * geo.pw,
    top: geo.ph, left: geo.pw, cin: geo.c, cout: geo.o, op: roundUp4(geo.o), kh: geo.kh, kw: geo.kw,
    sh: geo.sh, sw: geo.sw, dh: geo.dh, dw: geo.dw, ho: geo.ho, wo: geo.wo,
  };
}

/** y = conv(x, weight · mask) + bias through the packs and one product (records nothing). */
function directForward(geo: ConvGeometry, x: Tensor, weight: Tensor, bias: Tensor | null, mask: Tensor): Tensor {
  const p = forwardParams(geo);
  const xp = packInput(x, p);
  const wp = packWeight(weight, mask, p);
  const y = directProduct(xp, wp, mask, bias, p, tileFor(x.gpu, 'forward', geo));
  drop(xp, wp);
  return y;
}

/**
 * dx = conv(dilate(dy), rot180(weightᵀ)): dy is packed with stride − 1 zeros between entries and
 * (KH − 1)·DH − PH rows of zeros on top (a crop when negative), then a stride-1 product.
 */
export function directInputGrad(geo: ConvGeometry, dy: Tensor, weight: Tensor, mask: Tensor): Tensor {
  const [eh, ew] = [(geo.kh - 1) * geo.dh, (geo.kw - 1) * geo.dw];
  const p: DirectParams = {
    ...DIRECT_BASE, n: geo.n, c: geo.o, h: geo.ho, w: geo.wo, cp: roundUp4(geo.o), hp: geo.h + eh, wp: geo.w + ew,
    top: eh - geo.ph, left: ew - geo.pw, up_h: geo.sh, up_w: geo.sw, cin: geo.o, cout: geo.c, op: roundUp4(geo.c),
    kh: geo.kh, kw: geo.kw, dh: geo.dh, dw: geo.dw, ho: geo.h, wo: geo.w, flip: 1,
  };
  const dyp = packInput(dy, p);
  const wp = packWeight(weight, mask, p);
  const dx = directProduct(dyp, wp, mask, null, p, tileFor(dy.gpu, 'dInput', geo));
  drop(dyp, wp);
  return dx;
}

/** dWeight = mask · Σ_pixels x-window ⊗ dy: one product with K = N·HO·WO (no reduction pass). */
export function directWeightGrad(geo: ConvGeometry, x: Tensor, dy: Tensor, mask: Tensor): Tensor {
  const p = forwardParams(geo);
  const xp = packInput(x, p);
  const dyp = packInput(dy, { ...DIRECT_BASE, n: geo.n, c: geo.o, h: geo.ho, w: geo.wo, cp: p.op, hp: geo.ho, wp: geo.wo });
  const out = empty(x.gpu, [geo.o, geo.c, geo.kh, geo.kw], 'f32', 'dWeight');
  const k = directKernel(x.gpu, 'conv2d_direct_backward_weight', tileFor(x.gpu, 'dWeight', geo));
  const tilesM = Math.ceil(p.cp / k.constant('TM'));
  const tilesN = Math.ceil(p.op / k.constant('TN'));
  const tiles = geo.kh * geo.kw * tilesM * tilesN;
  const params = { ...p, tiles, tiles_m: tilesM, tiles_n: tilesN };
  k.dispatch({ xp: xp.buffer, dyp: dyp.buffer, mask: mask.buffer, out: out.buffer }, params, k.grid1d(tiles * k.workgroupSize[0]));
  drop(xp, dyp);
  return out;
}

/** The taps' gates as [KH·KW]: a view of the mask, or fresh ones. */
export function gates(gpu: Gpu, geo: ConvGeometry, mask: Tensor | null): Tensor {
  return mask ? view(mask, [geo.kh * geo.kw]) : tensor(gpu, new Float32Array(geo.kh * geo.kw).fill(1), [geo.kh * geo.kw]);
}

/** conv2d through the direct kernels, recorded as one node: dx and dWeight by their own products. */
export function conv2dDirect(geo: ConvGeometry, x: Tensor, weight: Tensor, bias: Tensor | null, mask: Tensor | null): Tensor {
  const m = gates(x.gpu, geo, mask);
  const y = directForward(geo, x, weight, bias, m);
  m.dispose();
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(OP, inputs, y, mask ? [x, weight, mask] : [x, weight], (dy, [sx, sw, sm], needs) => {
    const g = gates(dy.gpu, geo, sm ?? null);
    // dx: the transposed conv of dy; dW: dy against x's windows; dBias = Σ_{n, h, w} dy
    const grads = [needs[0] ? directInputGrad(geo, dy, sw, g) : null, needs[1] ? directWeightGrad(geo, sx, dy, g) : null];
    if (bias) grads.push(needs[2] ? sum(dy, [0, 2, 3]) : null);
    g.dispose();
    return grads;
  });
}


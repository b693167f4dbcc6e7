/**
 * Contrastive losses of SSCC (AngryCai/SSCC, modules/contrastive_loss.py; docs/sscc.md#losses):
 *   ntXent             InstanceLoss: NT-Xent over the 2N rows of two views. When the 2N × 2N
 *                      similarities fit `contrastiveTuning.matrixBytes`, both products run on
 *                      the engine's matmul with fused row / gradient-matrix kernels; otherwise
 *                      fused kernels (shaders/contrastive.wgsl) stream the similarities in
 *                      register tiles with an online log-sum-exp and never hold the matrix.
 *   clusterContrastive ClusterLoss (defined, unused by SSCC's train.py): NT-Xent over the 2K
 *                      cluster columns plus the entropy regulariser, composed from ops.
 *   barlowTwins        CrossCorrelationLoss: batch-normalised cross-correlation, composed.
 * All are deterministic (no atomics): every sum runs in a fixed order.
 */
import source from '../../shaders/contrastive.wgsl';
import { GpuUsageError, wgslConstants, type Gpu } from '../gpu/index.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { empty, fmtShape, type Tensor } from '../tensor/tensor.ts';
import { add, div, mul, sub } from './binary.ts';
import { tensor } from './fill.ts';
import { matmul } from './matmul.ts';
import { mean, sum, variance } from './reduce.ts';
import { transpose } from './shape.ts';
import { log, rsqrt, square } from './unary.ts';
import { checkFinite, checkInputs } from './util.ts';

const FILE = 'contrastive.wgsl';
/** Rows per invocation of the tiled kernels (NT_ROWS in the shader). */
const ROWS = wgslConstants(FILE, source, 'NT_').get('rows')!;
/** torch.nn.functional.normalize's clamp on the norm. */
const NORM_EPS = 1e-12;
/** BatchNorm1d's default eps. */
const BN_EPS = 1e-5;

/**
 * Tuning knobs. `matrixBytes`: when the 2N × 2N similarities take at most this many bytes, NT-Xent
 * materialises them and runs both products on the engine's matmul (much faster); the backward
 * then holds two such matrices. Larger problems stream (below). Tests set 0 to force streaming.
 * `block`: the streamed forward splits each row's 2N columns into partials of `block` columns, run
 * in parallel and merged with their (max, Σexp) pairs; smaller blocks give more parallelism and
 * [⌈2N/block⌉, 2N] statistics. Tests shrink it to exercise the merge.
 */
export const contrastiveTuning = { block: 1024, matrixBytes: 32 * 2 ** 20 };
/**
 * At most this many partials: the statistics stay O(2N) memory however small `block` is (never
 * the 2N × 2N matrix) and the partial index fits the grid's z dimension (≤ 65,535).
 */
export const MAX_PARTIALS = 256;

/** Columns per partial for M rows: the tuned block, widened so there are ≤ MAX_PARTIALS. */
function partialBlock(m: number, block: number): number {
  return Math.max(block, Math.ceil(m / MAX_PARTIALS));
}

/** Both views [N, F] with N ≥ minRows and F ≥ 1, of one shape. */
function checkViews(op: string, a: Tensor, b: Tensor, names: [string, string], minRows: number): void {
  checkInputs(op, [a, b]);
  if (a.rank !== 2 || a.shape[0] < minRows || a.shape[1] < 1) {
    throw new GpuUsageError(op, `${names[0]} shape: expected [N, F] with N ≥ ${minRows}, F ≥ 1, got ${fmtShape(a.shape)}`);
  }
  if (b.rank !== 2 || b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[1]) {
    throw new GpuUsageError(op, `${names[1]} shape: expected ${fmtShape(a.shape)} (the shape of ${names[0]}), got ${fmtShape(b.shape)}`);
  }
}

function checkTemperature(op: string, t: number): void {
  checkFinite(op, 'temperature', t);
  if (t <= 0) throw new GpuUsageError(op, `temperature: expected a number > 0, got ${t}`);
}

function checkBlock(op: string): number {
  const b = contrastiveTuning.block;
  if (!Number.isInteger(b) || b < 1) throw new GpuUsageError(op, `contrastiveTuning.block: expected a positive integer, got ${b}`);
  return b;
}

/**
 * NT-Xent / InfoNCE of two views zi, zj [N, D] (SSCC's InstanceLoss): rows of concat(zi, zj)
 * L2-normalised (norm clamped at 1e-12 like F.normalize), logits z zᵀ/τ, each row's positive
 * its counterpart in the other view and the other 2N − 2 rows its negatives (self excluded);
 * cross-entropy summed over the 2N rows and divided by 2N. Returns a scalar. τ defaults to
 * SSCC's instance temperature 0.5. Memory: O(2N·D), plus two 2N × 2N matrices only when they fit
 * `contrastiveTuning.matrixBytes` (each); the streamed path is used otherwise.
 */
export function ntXent(zi: Tensor, zj: Tensor, temperature = 0.5): Tensor {
  const op = 'ntXent';
  checkViews(op, zi, zj, ['zi', 'zj'], 1);
  checkTemperature(op, temperature);
  const gpu = zi.gpu;
  const [n, d] = zi.shape;
  const m = 2 * n;
  const block = partialBlock(m, checkBlock(op));
  const d4 = Math.ceil(d / 4);
  const params: NtParams = { n, d, d4, block, inv_tau: 1 / temperature, eps: NORM_EPS };
  const zn = empty(gpu, [m, d4 * 4], 'f32', `${op} z`);
  const inv = empty(gpu, [m, 2], 'f32', `${op} 1/norm`);
  const lse = empty(gpu, [m], 'f32', `${op} lse`);
  const rows = empty(gpu, [m], 'f32', `${op} rows`);
  const norm = gpu.kernel({ file: FILE, source, entry: 'nt_xent_normalize' });
  norm.dispatch({ zi: zi.buffer, zj: zj.buffer, zn: zn.buffer, inv: inv.buffer }, params, norm.grid1d(m));
  const sim = materialises(gpu, m) ? forwardMatrix(zn, lse, rows, params) : forwardStreamed(zn, lse, rows, params);
  const y = noGrad(() => scope(() => mul(sum(rows), 1 / m)));
  // dz_a = dy/(2Nτ) · Σ_{b≠a} (p_ab + p_ba − 2δ_{b,pos(a)}) z_b, then dx = (dz − z(z·dz)) / ‖x‖
  record(op, [zi, zj], y, sim ? [zn, inv, lse, sim] : [zn, inv, lse], (dy, [zs, is, ls, ss], needs) => {
    const dxi = empty(gpu, zi.shape, 'f32', `d${op} zi`);
    const dxj = empty(gpu, zj.shape, 'f32', `d${op} zj`);
    const bound = { z: zs.buffer, inv_in: is.buffer, dy: dy.buffer, dxi: dxi.buffer, dxj: dxj.buffer };
    (ss ? backwardMatrix : backwardStreamed)(bound, zs, ls, ss, params);
    return [dxi, dxj].map((g, i) => (needs[i] ? g : (g.dispose(), null)));
  });
  for (const t of [zn, inv, lse, rows, sim]) t?.dispose();
  return y;
}

/** The shader's Params (a type alias, so it is assignable to the kernel's param record). */
type NtParams = { n: number; d: number; d4: number; block: number; inv_tau: number; eps: number };

/** Whether the M × M similarities fit the budget (backward holds two such matrices). */
function materialises(gpu: Gpu, m: number): boolean {
  const bytes = m * m * 4;
  return bytes <= contrastiveTuning.matrixBytes && bytes <= gpu.limits.maxStorageBufferBindingSize;
}

/** sim = zn znᵀ by matmul, then one row pass for lse and ℓ; returns sim (kept for backward). */
function forwardMatrix(zn: Tensor, lse: Tensor, rows: Tensor, params: NtParams): Tensor {
  const gpu = zn.gpu;
  const sim = noGrad(() => matmul(zn, zn, { transposeB: true }));
  const k = gpu.kernel({ file: FILE, source, entry: 'nt_xent_rows' });
  k.dispatch({ sim: sim.buffer, lse: lse.buffer, loss: rows.buffer }, params, k.grid1d(2 * params.n));
  return sim;
}

/** Column partials in register tiles merged per row: never more than O(M) memory. */
function forwardStreamed(zn: Tensor, lse: Tensor, rows: Tensor, params: NtParams): null {
  const gpu = zn.gpu;
  const m = 2 * params.n;
  const partials = Math.ceil(m / params.block);
  const part = empty(gpu, [partials, m, 2], 'f32', 'ntXent partials');
  const fwd = gpu.kernel({ file: FILE, source, entry: 'nt_xent_forward' });
  const [gx, gy] = fwd.grid1d(Math.ceil(m / ROWS));
  fwd.dispatch({ z: zn.buffer, part: part.buffer }, params, [gx, gy, partials]);
  const merge = gpu.kernel({ file: FILE, source, entry: 'nt_xent_merge' });
  merge.dispatch({ parts: part.buffer, z: zn.buffer, lse: lse.buffer, loss: rows.buffer }, params, merge.grid1d(m));
  part.dispose();
  return null;
}

type Bound = Record<string, Tensor['buffer']>;

/** G = p + pᵀ − 2·positives elementwise, dz = G · zn by matmul, then the per-row finish. */
function backwardMatrix(bound: Bound, zn: Tensor, lse: Tensor, sim: Tensor | undefined, params: NtParams): void {
  const gpu = zn.gpu;
  const m = 2 * params.n;
  const gmat = empty(gpu, [m, m], 'f32', 'dntXent G');
  const kg = gpu.kernel({ file: FILE, source, entry: 'nt_xent_grad_matrix', overrides: { WG: 64 } });
  kg.dispatch({ sim: sim!.buffer, lse_in: lse.buffer, gmat: gmat.buffer }, params, kg.grid1d(m * m));
  const dz = matmul(gmat, zn);
  gmat.dispose();
  const kf = gpu.kernel({ file: FILE, source, entry: 'nt_xent_backward_finish' });
  kf.dispatch({ ...bound, acc: dz.buffer }, params, kf.grid1d(m));
  dz.dispose();
}

/** Similarities recomputed per register tile; each invocation owns ROWS rows of dz. */
function backwardStreamed(bound: Bound, zn: Tensor, lse: Tensor, _sim: Tensor | undefined, params: NtParams): void {
  const m = 2 * params.n;
  const acc = empty(zn.gpu, [m, params.d4 * 4], 'f32', 'dntXent scratch');
  const k = zn.gpu.kernel({ file: FILE, source, entry: 'nt_xent_backward' });
  k.dispatch({ ...bound, lse_in: lse.buffer, acc: acc.buffer }, params, k.grid1d(Math.ceil(m / ROWS)));
  acc.dispose();
}

/** log K + Σ_k p_k log p_k with p = column sums of c [N, K] normalised to sum 1. */
function entropyTerm(c: Tensor): Tensor {
  const p = sum(c, 0);
  const q = div(p, sum(p));
  return add(sum(mul(q, log(q))), Math.log(c.shape[1]));
}

/**
 * SSCC's ClusterLoss of cluster assignments ci, cj [N, K] (softmax outputs, so column sums are
 * positive): NT-Xent over the 2K cluster columns with cosine similarity / τ (positive = the
 * same cluster in the other view), summed over 2K rows / 2K, plus the entropy regulariser
 * Σ_{v∈{i,j}} [log K + Σ_k p_k^v log p_k^v]. The columns are normalised with a 1e-12 clamp on
 * the norm where torch's CosineSimilarity clamps at 1e-8: the same unless a column norm is
 * below 1e-8. Columns with a zero sum make log p undefined (as in PyTorch).
 */
export function clusterContrastive(ci: Tensor, cj: Tensor, temperature = 0.2): Tensor {
  const op = 'clusterContrastive';
  checkViews(op, ci, cj, ['ci', 'cj'], 1);
  checkTemperature(op, temperature);
  checkBlock(op);
  return scope(() => add(ntXent(transpose(ci), transpose(cj), temperature), add(entropyTerm(ci), entropyTerm(cj))));
}

/** BatchNorm1d(affine=False) in training mode: (c − mean) / √(biased var + 1e-5) over the batch. */
function batchNorm(c: Tensor): Tensor {
  return mul(sub(c, mean(c, 0, true)), rsqrt(add(variance(c, 0, true, false), BN_EPS)));
}

/**
 * SSCC's CrossCorrelationLoss (Barlow Twins) of ci, cj [N, K], N ≥ 2: ĉ = per-view batch
 * normalisation (batch statistics, biased variance, eps 1e-5, no affine), 𝒞 = ĉ_iᵀ ĉ_j / N,
 * L = Σ_k (1 − 𝒞_kk)² + λ Σ_{k≠l} 𝒞_kl², written as Σ W ⊙ (𝒞 − I)² with W = I + λ(1 − I).
 */
export function barlowTwins(ci: Tensor, cj: Tensor, lambda = 0.005): Tensor {
  const op = 'barlowTwins';
  checkViews(op, ci, cj, ['ci', 'cj'], 2);
  checkFinite(op, 'lambda', lambda);
  const [n, k] = ci.shape;
  const eye = new Float32Array(k * k);
  const weight = new Float32Array(k * k).fill(lambda);
  for (let i = 0; i < k; i++) {
    eye[i * k + i] = 1;
    weight[i * k + i] = 1;
  }
  return scope(() => {
    const corr = div(matmul(batchNorm(ci), batchNorm(cj), { transposeA: true }), n);
    return sum(mul(square(sub(corr, tensor(ci.gpu, eye, [k, k]))), tensor(ci.gpu, weight, [k, k])));
  });
}

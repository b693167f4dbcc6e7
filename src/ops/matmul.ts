/**
 * Batched matrix product (shaders/matmul.wgsl): matmul(a, b) = op(a) · op(b) with op the
 * identity or, per option, a transpose read in place by the kernel (no copy). Leading batch
 * dimensions broadcast NumPy-style; both operands need rank ≥ 2 (reshape a vector to [1, K] or
 * [K, 1] first: unlike PyTorch, 1-D operands are refused, so the output rank is never guessed).
 *
 * Two kernels: one subgroup of 8 lanes per tile of 32 or 64 rows × 32 or 64 columns sharing A
 * through subgroupBroadcast (chosen when the device has the `subgroups` feature with ≥ 8 lanes),
 * and a register-tiled fallback. Each has a vec4 entry for shapes whose contiguous dimensions and K
 * are multiples of 4, and a scalar entry for any shape.
 * Backward: dA = dY · op(B)ᵀ, dB = op(A)ᵀ · dY with the same kernels and transpose flags, then
 * sumTo over broadcast batch dimensions (a shared B, as in a linear layer, instead folds the
 * batch into K: one product, no reduction pass).
 */
import source from '../../shaders/matmul.wgsl';
import regTile from '../../shaders/regtile.wgsl';
import { bucket, ForcedChoice, GpuUsageError, wgslConstants, type DeviceBuffer, type Gpu } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { broadcastShapes, broadcastStrides, collapse, MAX_RANK } from './broadcast.ts';
import { sumTo } from './reduce_pass.ts';
import { checkInputs } from './util.ts';

const FILE = 'matmul.wgsl';
const OP = 'matmul';
const TILED = wgslConstants(FILE, source, 'TILED_');
/** Lanes the subgroup kernel is written for (its unrolled broadcasts name lanes 0 … 7). */
const SUBGROUP_LANES = wgslConstants(FILE, source, 'SUBGROUP_').get('lanes')!;

export interface MatmulOptions {
  /** Read a as [..., K, M] (its last two dimensions swapped), in place. */
  transposeA?: boolean;
  /** Read b as [..., N, K], in place. */
  transposeB?: boolean;
}

/** Kernel families: `subgroup` needs the subgroups feature with ≥ 8 lanes; `tiled` runs anywhere. */
export type MatmulVariant = 'subgroup' | 'tiled';

const sources = new WeakMap<Gpu, string>();

/**
 * The WGSL for this device: with subgroups, matmul.wgsl plus the shared register-tile update
 * (regtile.wgsl, appended so line numbers hold); without, the subgroup region blanked.
 */
function sourceFor(gpu: Gpu): string {
  let s = sources.get(gpu);
  if (s === undefined) {
    const blank = (text: string): string => text.replace(/[^\n]/g, '');
    s = gpu.features.has('subgroups') ? `${source}\n${regTile}`
      : source.replace(/^enable subgroups;$/m, blank).replace(/\/\/ BEGIN subgroups[\s\S]*?\/\/ END subgroups/, blank);
    sources.set(gpu, s);
  }
  return s;
}

/** True when the subgroup kernel is correct here: every subgroup has at least 8 lanes. */
export function subgroupMatmulFits(gpu: Gpu): boolean {
  const min = (gpu.adapter.info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize ?? 0;
  return gpu.features.has('subgroups') && min >= SUBGROUP_LANES;
}

/** The variant matmul() uses on this device by default. */
export function matmulVariant(gpu: Gpu): MatmulVariant {
  return subgroupMatmulFits(gpu) ? 'subgroup' : 'tiled';
}

/**
 * A kernel choice, 'family/size': subgroup/TMxTN (rows × columns per tile: 64 rows halve the B
 * loads per output over 32, 64 columns the A loads and broadcasts) or tiled/WG (invocations per
 * workgroup). Every choice computes each output the same way, so the tuner (src/gpu/tuning.ts)
 * may pick any of them without changing a bit.
 */
export function matmulChoices(gpu: Gpu): string[] {
  const sg = subgroupMatmulFits(gpu) ? ['subgroup/64x64', 'subgroup/64x32', 'subgroup/32x64', 'subgroup/32x32'] : [];
  const wgs = [64, 32, 128, 256].filter((wg) => wg <= gpu.limits.maxComputeInvocationsPerWorkgroup);
  return [...sg, ...wgs.map((wg) => `tiled/${wg}`)];
}

/** The tuning key of an M × N × K product (dimensions bucketed to powers of two). */
export function matmulKey(m: number, n: number, k: number): string {
  return `matmul ${bucket(m)}x${bucket(n)}x${bucket(k)}`;
}

/** A choice forced while the tuner times it. */
const forced = new ForcedChoice();

/** Runs `fn` with every product on `gpu` using `choice` (one of matmulChoices). */
export function withMatmulChoice<T>(gpu: Gpu, choice: string, fn: () => T): T {
  if (!matmulChoices(gpu).includes(choice)) throw new GpuUsageError(OP, `choice: expected one of [${matmulChoices(gpu).join(', ')}], got ${choice}`);
  return forced.run(gpu, choice, fn);
}

/**
 * The untuned choice: 64 × 32 subgroup tiles (lavapipe's best or within noise of it in interleaved
 * `hsi tune` runs at 256³–1024³; 64 × 64 was slower in 4 of 6, by up to 1.2×, probably because its
 * accumulators take 16 KB per subgroup, half a core's L1 cache); tiled/64 without subgroups.
 */
export function matmulDefault(gpu: Gpu): string {
  return subgroupMatmulFits(gpu) ? 'subgroup/64x32' : 'tiled/64';
}

/** Overrides for one launch of `variant`: forced, else tuned (same family), else the default. */
function chooseOverrides(gpu: Gpu, variant: MatmulVariant, m: number, n: number, k: number): Record<string, number> {
  const c = forced.get(gpu) ?? gpu.tuning.get(matmulKey(m, n, k));
  const ok = c?.split('/')[0] === variant && matmulChoices(gpu).includes(c);
  const size = (ok ? c! : variant === 'subgroup' ? matmulDefault(gpu) : 'tiled/64').split('/')[1];
  if (variant === 'tiled') return { WG: Number(size) };
  const [tm, tn] = size.split('x').map(Number);
  return { TM: tm, TN: tn };
}

interface Plan {
  m: number;
  n: number;
  k: number;
  aBatch: number[];
  bBatch: number[];
  batch: number[];
}

/** Checks the operands and returns the product's dimensions (errors name both shapes). */
function plan(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Plan {
  for (const [name, t, dims] of [['a', a, ta ? 'K, M' : 'M, K'], ['b', b, tb ? 'N, K' : 'K, N']] as const) {
    if (t.rank < 2) throw new GpuUsageError(OP, `${name}: expected rank ≥ 2 ([..., ${dims}]; reshape vectors to a row or column), got ${fmtShape(t.shape)}`);
  }
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = ta ? [ca, ra] : [ra, ca];
  const [kb, n] = tb ? [cb, rb] : [rb, cb];
  const flags = ta || tb ? ` (transposeA ${ta}, transposeB ${tb})` : '';
  if (k !== kb) throw new GpuUsageError(OP, `shapes: expected inner dimensions to match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}${flags}`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(OP, aBatch, bBatch);
  } catch {
    throw new GpuUsageError(OP, `batch dimensions: expected broadcastable shapes, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return { m, n, k, aBatch, bBatch, batch };
}

function checkOptions(opts: MatmulOptions): { ta: boolean; tb: boolean } {
  for (const key of ['transposeA', 'transposeB'] as const) {
    const v = opts?.[key];
    if (v !== undefined && typeof v !== 'boolean') throw new GpuUsageError(OP, `${key}: expected a boolean, got ${String(v)}`);
  }
  return { ta: opts?.transposeA === true, tb: opts?.transposeB === true };
}

/** op(a) · op(b) into a fresh tensor [...batch, M, N]; records nothing. */
function product(variant: MatmulVariant, a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const p = plan(a, b, ta, tb);
  const out = empty(a.gpu, [...p.batch, p.m, p.n], 'f32', OP);
  if (out.size === 0) return out;
  const aSize = shapeSize(p.aBatch);
  // A shared B and a row-major A: the batch is just more rows of one product.
  if (shapeSize(p.bBatch) === 1 && aSize > 1 && !ta) {
    launch(variant, out, a, b, { m: aSize * p.m, n: p.n, k: p.k, ta, tb, batch: [], sa: [], sb: [] });
    return out;
  }
  const st = collapse(OP, p.batch, [broadcastStrides(p.aBatch, p.batch), broadcastStrides(p.bBatch, p.batch)]);
  const scale = (s: number[], by: number): number[] => s.map((v) => v * by);
  launch(variant, out, a, b, { m: p.m, n: p.n, k: p.k, ta, tb, batch: st.shape, sa: scale(st.strides[0], p.m * p.k), sb: scale(st.strides[1], p.k * p.n) });
  return out;
}

interface Launch {
  m: number;
  n: number;
  k: number;
  ta: boolean;
  tb: boolean;
  batch: number[];
  sa: number[];
  sb: number[];
}

function launch(variant: MatmulVariant, out: Tensor, a: Tensor, b: Tensor, L: Launch): void {
  // vec4 loads need the dimension each operand is stored contiguously along, and K, in 4s.
  const vec4 = L.k > 0 && L.k % 4 === 0 && (!L.ta || L.m % 4 === 0) && (L.tb || L.n % 4 === 0);
  const entry = `matmul_forward_${variant}${vec4 ? '_vec4' : ''}`;
  const overrides = chooseOverrides(a.gpu, variant, L.m, L.n, L.k);
  const kernel = a.gpu.kernel({ file: FILE, source: sourceFor(a.gpu), entry, overrides });
  const [tm, tn] = variant === 'subgroup' ? [kernel.constant('TM'), kernel.constant('TN')] : [TILED.get('rows')!, TILED.get('cols')!];
  const tilesM = Math.ceil(L.m / tm);
  const tilesN = Math.ceil(L.n / tn);
  const tiles = tilesM * tilesN * shapeSize(L.batch);
  const pack = (v: number[], fill: number): number[] => [...v, ...new Array(MAX_RANK - v.length).fill(fill)];
  const params = {
    m: L.m, n: L.n, k: L.k, tiles, tiles_m: tilesM, tiles_n: tilesN,
    lda: L.ta ? L.m : L.k, ldb: L.tb ? L.k : L.n, trans_a: Number(L.ta), trans_b: Number(L.tb),
    rank: L.batch.length, shape: pack(L.batch, 1), sa: pack(L.sa, 0), sb: pack(L.sb, 0),
  };
  const buffers: Record<string, DeviceBuffer> = vec4 ? { a4: a.buffer, b4: b.buffer, c: out.buffer } : { a: a.buffer, b: b.buffer, c: out.buffer };
  // One workgroup per tile (subgroup kernel) or one invocation per tile (tiled kernel).
  kernel.dispatch(buffers, params, kernel.grid1d(variant === 'subgroup' ? tiles * kernel.workgroupSize[0] : tiles));
}

/** dA for y = op(a) · op(b): dY · op(b)ᵀ, or its transpose when a is read transposed. */
function gradA(v: MatmulVariant, dy: Tensor, a: Shape, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const g = ta ? product(v, b, dy, tb, true) : product(v, dy, b, false, !tb);
  const r = sumTo(g, a);
  g.dispose();
  return r;
}

/** dB: op(a)ᵀ · dY, or its transpose when b is read transposed. */
function gradB(v: MatmulVariant, dy: Tensor, a: Tensor, b: Shape, ta: boolean, tb: boolean): Tensor {
  const bBatch = shapeSize(b.slice(0, -2));
  const aBatch = shapeSize(a.shape.slice(0, -2));
  if (bBatch === 1 && aBatch > 1 && !ta) {
    // Σ over the batch of A_iᵀ · dY_i is one product with the batch stacked along K.
    const rows = aBatch * a.shape[a.rank - 2];
    const a2 = view(a, [rows, a.shape[a.rank - 1]]);
    const dy2 = view(dy, [rows, dy.shape[dy.rank - 1]]);
    const g = tb ? product(v, dy2, a2, true, false) : product(v, a2, dy2, true, false);
    a2.dispose();
    dy2.dispose();
    const r = view(g, b);
    g.dispose();
    return r;
  }
  const g = tb ? product(v, dy, a, true, ta) : product(v, a, dy, !ta, false);
  const r = sumTo(g, b);
  g.dispose();
  return r;
}

/**
 * matmul with an explicit kernel family (tests and benchmarks compare both); matmul() picks
 * the fastest one the device supports. Throws when `variant` cannot run here.
 */
export function matmulWith(variant: MatmulVariant, a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  checkInputs(OP, [a, b]);
  const { ta, tb } = checkOptions(opts);
  if (variant !== 'tiled' && variant !== 'subgroup') throw new GpuUsageError(OP, `variant: expected 'subgroup' or 'tiled', got ${String(variant)}`);
  if (variant === 'subgroup' && !subgroupMatmulFits(a.gpu)) {
    throw new GpuUsageError(OP, `variant: expected 'tiled' on this device (the subgroup kernel needs the subgroups feature with ≥ ${SUBGROUP_LANES} lanes), got 'subgroup'`);
  }
  const y = product(variant, a, b, ta, tb);
  const aShape = a.shape;
  const bShape = b.shape;
  // dA = dY · op(B)ᵀ, dB = op(A)ᵀ · dY (transposed back when the operand was read transposed)
  return record(OP, [a, b], y, [a, b], (dy, [sa, sb], needs) => [
    needs[0] ? gradA(variant, dy, aShape, sb, ta, tb) : null,
    needs[1] ? gradB(variant, dy, sa, bShape, ta, tb) : null,
  ]);
}

/**
 * Matrix product op(a) · op(b) of a [..., M, K] and b [..., K, N] (or [..., K, M] / [..., N, K]
 * with transposeA / transposeB, read in place) with NumPy broadcasting of the batch
 * dimensions; returns [...batch, M, N]. Rank-1 operands are refused (reshape them).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  checkInputs(OP, [a, b]);
  const { ta, tb } = checkOptions(opts);
  const p = plan(a, b, ta, tb);
  // The family of the forward product's tuned choice; the backward products tune only its size.
  const c = forced.get(a.gpu) ?? a.gpu.tuning.get(matmulKey(p.m, p.n, p.k));
  const family = c?.split('/')[0];
  const variant = c && matmulChoices(a.gpu).includes(c) ? (family as MatmulVariant) : matmulVariant(a.gpu);
  return matmulWith(variant, a, b, opts);
}

/**
 * Batch and layer normalisation (shaders/norm.wgsl): fused statistics, fused elementwise
 * passes and the full analytic backward, as torch.nn.functional.batch_norm / layer_norm.
 *   x̂ = (x − mean)·invstd, y = x̂·w + b, invstd = 1/√(var + eps), var biased.
 *   batch norm (training): dx = w·invstd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel;
 *   batch norm (eval):     dx = w·invstd·dy (running statistics are constants);
 *   layer norm:            dx = invstd·(g − mean(g) − x̂·mean(g·x̂)) per row, g = dy·w;
 *   dw = Σ dy·x̂, db = Σ dy over everything but the channel (feature) axis.
 * Missing weight/bias act as ones/zeros. Running statistics are updated in place (no graph).
 */
import source from '../../shaders/norm.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, shapeSize, type Shape, type Tensor } from '../tensor/tensor.ts';
import { full } from './fill.ts';
import { checkFinite, checkInputs, launch } from './util.ts';

const FILE = 'norm.wgsl';

interface Geometry {
  n: number;
  c: number;
  l: number;
  chunk: number;
  parts: number;
  eps: number;
  momentum: number;
}

type Entry = 'batch_norm_partial' | 'batch_norm_stats' | 'batch_norm_forward' | 'batch_norm_backward_partial' | 'batch_norm_backward_stats'
  | 'batch_norm_backward' | 'count_increment' | 'layer_norm_forward' | 'layer_norm_backward' | 'layer_norm_backward_params';

/** Records one dispatch of `entry` over `invocations` (grouped E per invocation for elementwise entries). */
function run(entry: Entry, train: boolean, g: Geometry, tensors: Record<string, Tensor>, invocations: number, elementwise = false): void {
  const counter = entry === 'count_increment';
  launch({ file: FILE, source, entry, overrides: counter ? {} : { TRAIN: train ? 1 : 0 } }, tensors, counter ? {} : { ...g }, invocations, elementwise);
}

/** Per-channel chunks: enough (channel, chunk) invocations to fill the cores, chunks ≥ 64 values. */
function chunking(m: number, c: number): { chunk: number; parts: number } {
  const want = Math.max(1, Math.min(Math.ceil(m / 64), Math.ceil(512 / c)));
  const chunk = Math.max(1, Math.ceil(m / want));
  return { chunk, parts: Math.max(1, Math.ceil(m / chunk)) };
}

export interface BatchNormOptions {
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training: boolean;
  /** Weight of the new batch in the running statistics (PyTorch default 0.1). */
  momentum?: number;
  eps?: number;
}

function checkVector(op: string, name: string, t: Tensor | null, c: number): void {
  if (t && (t.rank !== 1 || t.shape[0] !== c)) throw new GpuUsageError(op, `${name}: expected shape [${c}], got ${fmtShape(t.shape)}`);
}

function checkBatchNorm(x: Tensor, rm: Tensor | null, rv: Tensor | null, w: Tensor | null, b: Tensor | null, o: BatchNormOptions): void {
  const op = 'batchNorm';
  checkInputs(op, [x, ...[rm, rv, w, b].filter((t): t is Tensor => t !== null)]);
  if (x.rank < 2) throw new GpuUsageError(op, `input: expected shape [N, C, ...], got ${fmtShape(x.shape)}`);
  const c = x.shape[1];
  for (const [name, t] of [['runningMean', rm], ['runningVar', rv], ['weight', w], ['bias', b]] as const) checkVector(op, name, t, c);
  if ((rm === null) !== (rv === null)) throw new GpuUsageError(op, `running statistics: expected both runningMean and runningVar or neither, got only ${rm ? 'runningMean' : 'runningVar'}`);
  if (typeof o?.training !== 'boolean') throw new GpuUsageError(op, `training: expected a boolean, got ${o?.training}`);
  checkFinite(op, 'momentum', o.momentum ?? 0.1);
  checkFinite(op, 'eps', o.eps ?? 1e-5);
  if ((o.eps ?? 1e-5) < 0) throw new GpuUsageError(op, `eps: expected a number ≥ 0, got ${o.eps}`);
  if (!o.training && !rm) throw new GpuUsageError(op, 'running statistics: expected runningMean and runningVar in evaluation mode, got none');
  if (o.training && x.size / c <= 1) throw new GpuUsageError(op, `input: expected more than 1 value per channel when training, got shape ${fmtShape(x.shape)}`);
}

/**
 * Batch normalisation of x [N, C, ...] per channel C (torch.nn.functional.batch_norm). Training
 * normalises with the batch mean and biased variance and, when running statistics are given,
 * updates them in place: r ← (1 − momentum)·r + momentum·batch, with the unbiased variance.
 * Gradients flow to x, weight and bias.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, opts: BatchNormOptions): Tensor {
  checkBatchNorm(x, runningMean, runningVar, weight, bias, opts);
  const gpu = x.gpu;
  const c = x.shape[1];
  const l = shapeSize(x.shape.slice(2));
  const n = x.shape[0];
  const train = opts.training;
  const g: Geometry = { n, c, l, ...chunking(n * l, c), eps: opts.eps ?? 1e-5, momentum: opts.momentum ?? 0.1 };
  const y = empty(gpu, x.shape, 'f32', 'batchNorm');
  if (x.size === 0) return y;
  const temps: Tensor[] = [];
  const temp = (t: Tensor): Tensor => (temps.push(t), t);
  const w = weight ?? temp(full(gpu, [c], 1));
  const b = bias ?? temp(full(gpu, [c], 0));
  const part = temp(empty(gpu, [train ? c * g.parts * 4 : 4], 'f32', 'batchNorm.part'));
  if (train) run('batch_norm_partial', train, g, { x, part }, c * g.parts);
  const stats = empty(gpu, [c, 4], 'f32', 'batchNorm.stats');
  const rm = runningMean ?? temp(empty(gpu, [c], 'f32', 'batchNorm.scratch'));
  const rv = runningVar ?? temp(empty(gpu, [c], 'f32', 'batchNorm.scratch'));
  // Without running statistics the update writes into scratch buffers nobody reads.
  run('batch_norm_stats', train, g, { part_in: part, weight: w, bias: b, running_mean: rm, running_var: rv, stats }, c);
  run('batch_norm_forward', train, g, { x, stats_in: stats, y }, x.size, true);
  for (const t of temps) t.dispose();
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = record('batchNorm', inputs, y, [x, stats], (dy, [xs, st], needs) => batchNormBackward(dy, xs, st, g, train, needs, weight !== null, bias !== null));
  stats.dispose();
  return out;
}

/** dx, dweight, dbias (as the inputs were given) of batchNorm. */
function batchNormBackward(dy: Tensor, x: Tensor, stats: Tensor, g: Geometry, train: boolean, needs: readonly boolean[], hasW: boolean, hasB: boolean): (Tensor | null)[] {
  const gpu = x.gpu;
  const c = g.c;
  const needW = hasW && needs[1];
  const needB = hasB && needs[hasW ? 2 : 1];
  const sums = train || needW || needB;
  const part = empty(gpu, [sums ? c * g.parts * 4 : 4], 'f32', 'batchNorm.dpart');
  const coef = empty(gpu, [c, 4], 'f32', 'batchNorm.coef');
  const dWeight = empty(gpu, [c], 'f32', 'batchNorm.dWeight');
  const dBias = empty(gpu, [c], 'f32', 'batchNorm.dBias');
  if (sums) {
    run('batch_norm_backward_partial', train, g, { dy, x, stats_in: stats, part }, c * g.parts);
    run('batch_norm_backward_stats', train, g, { part_in: part, coef, dweight: dWeight, dbias: dBias }, c);
  }
  let dx: Tensor | null = null;
  if (needs[0]) {
    dx = empty(gpu, x.shape, 'f32', 'batchNorm.dx');
    run('batch_norm_backward', train, g, { dy, x, stats_in: stats, coef_in: coef, dx }, x.size, true);
  }
  part.dispose();
  coef.dispose();
  if (!needW) dWeight.dispose();
  if (!needB) dBias.dispose();
  return [dx, ...(hasW ? [needW ? dWeight : null] : []), ...(hasB ? [needB ? dBias : null] : [])];
}

/** Adds 1 to an i32 counter of one element in place (BatchNorm's num_batches_tracked). */
export function incrementCount(counter: Tensor): void {
  const op = 'incrementCount';
  checkInputs(op, [counter], 'i32');
  if (counter.size !== 1) throw new GpuUsageError(op, `counter: expected one element, got shape ${fmtShape(counter.shape)}`);
  run('count_increment', false, {} as Geometry, { counter }, 1);
}

function checkLayerNorm(x: Tensor, shape: Shape, w: Tensor | null, b: Tensor | null, eps: number): void {
  const op = 'layerNorm';
  checkInputs(op, [x, ...[w, b].filter((t): t is Tensor => t !== null)]);
  const k = shape.length;
  const tail = x.shape.slice(x.rank - k);
  if (k === 0 || k > x.rank || shape.some((d, i) => !Number.isInteger(d) || d < 1 || d !== tail[i])) {
    throw new GpuUsageError(op, `normalizedShape: expected trailing dimensions of ${fmtShape(x.shape)}, got ${fmtShape(shape)}`);
  }
  for (const [name, t] of [['weight', w], ['bias', b]] as const) {
    if (t && (t.rank !== k || t.shape.some((d, i) => d !== shape[i]))) throw new GpuUsageError(op, `${name}: expected shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
  checkFinite(op, 'eps', eps);
  if (eps < 0) throw new GpuUsageError(op, `eps: expected a number ≥ 0, got ${eps}`);
}

/**
 * Layer normalisation over the trailing `normalizedShape` dimensions (a number means the last
 * axis), as torch.nn.functional.layer_norm with biased variance. Gradients flow to x, weight, bias.
 */
export function layerNorm(x: Tensor, normalizedShape: number | Shape, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...(normalizedShape ?? [])];
  checkLayerNorm(x, shape, weight, bias, eps);
  const gpu = x.gpu;
  const d = shapeSize(shape);
  const rows = x.size / d;
  const g: Geometry = { n: rows, c: 1, l: d, chunk: 0, parts: 0, eps, momentum: 0 };
  const y = empty(gpu, x.shape, 'f32', 'layerNorm');
  if (rows === 0) return y;
  const w = weight ?? full(gpu, shape, 1);
  const b = bias ?? full(gpu, shape, 0);
  const rowstats = empty(gpu, [rows, 2], 'f32', 'layerNorm.rowstats');
  run('layer_norm_forward', true, g, { x, weight: w, bias: b, y, rowstats }, rows);
  if (!bias) b.dispose();
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = record('layerNorm', inputs, y, [x, rowstats, w], (dy, [xs, rs, ws], needs) => {
    const hasW = weight !== null;
    const needW = hasW && needs[1];
    const needB = bias !== null && needs[hasW ? 2 : 1];
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = empty(gpu, xs.shape, 'f32', 'layerNorm.dx');
      run('layer_norm_backward', true, g, { dy, x: xs, weight: ws, rowstats_in: rs, dx }, rows);
    }
    const dWeight = empty(gpu, shape, 'f32', 'layerNorm.dWeight');
    const dBias = empty(gpu, shape, 'f32', 'layerNorm.dBias');
    if (needW || needB) run('layer_norm_backward_params', true, g, { dy, x: xs, rowstats_in: rs, dweight: dWeight, dbias: dBias }, d);
    if (!needW) dWeight.dispose();
    if (!needB) dBias.dispose();
    return [dx, ...(hasW ? [needW ? dWeight : null] : []), ...(bias ? [needB ? dBias : null] : [])];
  });
  rowstats.dispose();
  if (!weight) w.dispose();
  return out;
}

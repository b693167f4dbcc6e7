/**
 * Losses. l1Loss and mseLoss are composites of elementwise ops and a reduction (their
 * gradients reach both pred and target through the tape). crossEntropy is one fused kernel per
 * direction (shaders/loss.wgsl): a per-row stable log-softmax that picks the target's term, and
 * a backward that writes softmax − onehot without materialising either.
 */
import source from '../../shaders/loss.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { empty, fmtShape, shapeSize, type Tensor } from '../tensor/tensor.ts';
import { div, maximum, sub } from './binary.ts';
import { mean, sum } from './reduce.ts';
import { abs, square } from './unary.ts';
import { checkFinite, checkInputs } from './util.ts';

const FILE = 'loss.wgsl';

/** How per-element losses become the result: their mean (default), their sum, or as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, r: Reduction): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new GpuUsageError(op, `reduction: expected 'mean', 'sum' or 'none', got ${String(r)}`);
}

/** Elementwise loss f(pred − target), then the reduction; temporaries freed (the tape keeps its own). */
function pointwise(op: string, pred: Tensor, target: Tensor, reduction: Reduction, f: (d: Tensor) => Tensor): Tensor {
  checkInputs(op, [pred, target]);
  if (pred.rank !== target.rank || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new GpuUsageError(op, `target shape: expected ${fmtShape(pred.shape)} (the shape of pred), got ${fmtShape(target.shape)}`);
  }
  checkReduction(op, reduction);
  if (reduction === 'mean' && pred.size === 0) throw new GpuUsageError(op, `pred: expected elements to average, got shape ${fmtShape(pred.shape)}`);
  const d = sub(pred, target);
  const e = f(d);
  d.dispose();
  if (reduction === 'none') return e;
  const y = reduction === 'sum' ? sum(e) : mean(e);
  e.dispose();
  return y;
}

/** |pred − target|, reduced (PyTorch's l1_loss; gradient sign(pred − target), 0 at a tie). */
export const l1Loss = (pred: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => pointwise('l1Loss', pred, target, reduction, abs);
/** (pred − target)², reduced (PyTorch's mse_loss). */
export const mseLoss = (pred: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => pointwise('mseLoss', pred, target, reduction, square);

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** Rows whose target equals this contribute nothing and are not counted in a mean (PyTorch: −100). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/C (PyTorch's label_smoothing). */
  labelSmoothing?: number;
}

/** [N, C, d1, …] → rows [N, C, D] and the expected targets shape [N, d1, …]; [C] → one row. */
function layout(op: string, logits: Tensor, targets: Tensor): { outer: number; n: number; inner: number } {
  if (logits.rank === 0) throw new GpuUsageError(op, 'logits: expected [N, C, d1, …] or [C], got a 0-d tensor');
  if (targets.dtype !== 'i32') throw new GpuUsageError(op, `targets dtype: expected i32 class indices, got ${targets.dtype} ${fmtShape(targets.shape)}`);
  const rows = logits.rank === 1 ? [] : [logits.shape[0], ...logits.shape.slice(2)];
  if (targets.rank !== rows.length || targets.shape.some((d, i) => d !== rows[i])) {
    throw new GpuUsageError(op, `targets shape: expected ${fmtShape(rows)} for logits ${fmtShape(logits.shape)}, got ${fmtShape(targets.shape)}`);
  }
  const n = logits.rank === 1 ? logits.shape[0] : logits.shape[1];
  if (n === 0) throw new GpuUsageError(op, `logits: expected at least one class, got ${fmtShape(logits.shape)}`);
  return { outer: logits.rank === 1 ? 1 : logits.shape[0], n, inner: shapeSize(logits.shape.slice(2)) };
}

/**
 * Cross-entropy of `logits` [N, C] or [N, C, d1, …] (or unbatched [C]) against i32 class
 * indices `targets` [N] or [N, d1, …] (or []), like torch.nn.functional.cross_entropy with
 * integer targets: loss = lse(x) − x_t per row (with label smoothing, (1 − ε) of that plus ε
 * times lse(x) − mean(x)), then the mean over counted rows, the sum, or per row ('none').
 *
 * Targets live on the GPU, so the host cannot check them without a sync. A target that is
 * neither ignoreIndex nor in [0, C) is treated like an ignored row: loss 0, no gradient, not
 * counted in the mean. Where targets may be bad, `await checkTargets(targets, C)` first.
 * A mean over rows that are all ignored is 0 (PyTorch gives NaN; shaders avoid NaN).
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0 } = options;
  checkInputs(op, [logits]);
  checkInputs(op, [logits, targets], null);
  checkReduction(op, reduction);
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) > 2 ** 31 - 1) throw new GpuUsageError(op, `ignoreIndex: expected an i32 integer, got ${ignoreIndex}`);
  checkFinite(op, 'labelSmoothing', labelSmoothing);
  if (labelSmoothing < 0 || labelSmoothing > 1) throw new GpuUsageError(op, `labelSmoothing: expected a number in [0, 1], got ${labelSmoothing}`);
  const rows = layout(op, logits, targets);
  const count = rows.outer * rows.inner;
  const gpu = logits.gpu;
  const loss = empty(gpu, targets.shape, 'f32', op);
  const stats = empty(gpu, [count, 2], 'f32', `${op} stats`);
  const valid = empty(gpu, targets.shape, 'f32', `${op} valid`);
  const params = { ...rows, ignore_index: ignoreIndex, smoothing: labelSmoothing, g_stride: 0 };
  const k = gpu.kernel({ file: FILE, source, entry: 'cross_entropy_forward' });
  if (count > 0) k.dispatch({ logits: logits.buffer, targets: targets.buffer, loss: loss.buffer, stats_out: stats.buffer, valid: valid.buffer }, params, k.grid1d(count));
  const { y, denom } = noGrad(() => reduceLoss(loss, valid, reduction));
  // dlogits = g · (softmax − (1 − ε)·onehot − ε/C), g = dy (per row for 'none'), or dy / count
  record(op, [logits], y, denom ? [logits, targets, stats, denom] : [logits, targets, stats], (dy, saved) => {
    const g = denom ? div(dy, saved[3]) : dy;
    const dx = empty(dy.gpu, logits.shape, 'f32', `d${op}`);
    const b = dy.gpu.kernel({ file: FILE, source, entry: 'cross_entropy_backward' });
    const bound = { logits: saved[0].buffer, targets: saved[1].buffer, stats: saved[2].buffer, g: g.buffer, dx: dx.buffer };
    if (count > 0 && dx.size > 0) b.dispatch(bound, { ...params, g_stride: reduction === 'none' ? 1 : 0 }, b.grid1d(count));
    if (g !== dy) g.dispose();
    return [dx];
  });
  for (const t of [stats, valid, denom]) t?.dispose();
  if (y !== loss) loss.dispose();
  return y;
}

/** The reduced loss and, for a mean, the divisor max(counted rows, 1) as a GPU scalar. */
function reduceLoss(loss: Tensor, valid: Tensor, reduction: Reduction): { y: Tensor; denom: Tensor | null } {
  if (reduction === 'none') return { y: loss, denom: null };
  const total = sum(loss);
  if (reduction === 'sum') return { y: total, denom: null };
  const counted = sum(valid);
  const denom = maximum(counted, 1);
  const y = div(total, denom);
  for (const t of [total, counted]) t.dispose();
  return { y, denom };
}

/**
 * Reads `targets` back (a sync point) and throws GpuUsageError naming the first entry that is
 * neither `ignoreIndex` nor a class index in [0, numClasses): crossEntropy's kernel cannot
 * raise errors and skips such rows silently.
 */
export async function checkTargets(targets: Tensor, numClasses: number, ignoreIndex = -100): Promise<void> {
  const op = 'crossEntropy';
  checkInputs(op, [targets], 'i32');
  const data = await targets.data();
  const bad = data.findIndex((t) => t !== ignoreIndex && (t < 0 || t >= numClasses));
  if (bad >= 0) throw new GpuUsageError(op, `targets[${bad}]: expected a class index in [0, ${numClasses}) or ignoreIndex ${ignoreIndex}, got ${data[bad]}`);
}

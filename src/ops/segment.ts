/**
 * Pixels grouped by superpixel (shaders/segment.wgsl): a `Segments` CSR built once on the GPU
 * from fixed labels and reused every step (superpixel pooling, src/ops/superpixel.ts), and the
 * segmented ops of Super-AD's online background pixel mining (docs/superad.md#obpm): sort each
 * superpixel's losses, differences, 7-tap moving average, first argmax q, threshold, keep-mask.
 *
 * Everything is deterministic: bitonic sorting networks and fixed-order loops, no atomics.
 * Labels live on the GPU, so the host cannot check them without a sync: a label outside
 * [0, S) puts its pixel in no superpixel (pooling ignores it, unpooling writes 0 there, the
 * OBPM keep-mask drops it, as in the reference code). Where labels may be bad, `await checkLabels(labels, S)` first.
 */
import source from '../../shaders/segment.wgsl';
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { empty, fmtShape, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { checkFinite, checkInputs } from './util.ts';

const FILE = 'segment.wgsl';

/** Superpixel labels [H, W] sorted into a CSR: segment s owns pixels[offsets[s] .. offsets[s+1]). */
export class Segments {
  /** Pixel indices (row-major, u32 [H·W]) grouped by label, ascending inside a group, bad labels last. */
  readonly pixels: Tensor;
  /** u32 [S + 1]: segment starts in `pixels`; offsets[S] = pixels with a label in [0, S). */
  readonly offsets: Tensor;
  /** The labels (i32 [H·W], a handle of their own). */
  readonly labels: Tensor;

  constructor(readonly shape: Shape, readonly count: number, labels: Tensor, pixels: Tensor, offsets: Tensor) {
    this.labels = labels;
    this.pixels = pixels;
    this.offsets = offsets;
  }

  get gpu(): Gpu {
    return this.labels.gpu;
  }

  /** H·W */
  get size(): number {
    return this.labels.size;
  }

  /** Throws naming `op` when disposed. */
  assertLive(op: string): void {
    for (const t of [this.labels, this.pixels, this.offsets]) t.assertLive(op);
  }

  dispose(): void {
    for (const t of [this.labels, this.pixels, this.offsets]) t.dispose();
  }
}

function checkCount(op: string, count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 2 ** 31 - 1) throw new GpuUsageError(op, `segment count: expected an integer in [1, 2³¹), got ${count}`);
}

/**
 * Groups the pixels of i32 `labels` [H, W] (values 0 … count−1) by label, on the GPU: a sort of
 * (label, pixel) keys, O(N log² N) once; reuse the result while the labels stay fixed and
 * dispose it after. Superpixel labels that start at 1 (Super-AD's SLIC `segs1`) need `− 1` first.
 */
export function buildSegments(labels: Tensor, count: number): Segments {
  const op = 'buildSegments';
  checkInputs(op, [labels], 'i32');
  checkCount(op, count);
  if (labels.rank !== 2 || labels.size === 0) throw new GpuUsageError(op, `labels shape: expected [H, W] with H, W ≥ 1, got ${fmtShape(labels.shape)}`);
  const gpu = labels.gpu;
  const n = labels.size;
  const slots = 2 ** Math.ceil(Math.log2(n));
  const keys = empty(gpu, [slots, 2], 'u32', `${op} keys`);
  const kk = gpu.kernel({ file: FILE, source, entry: 'segment_keys' });
  kk.dispatch({ labels: labels.buffer, keys: keys.buffer }, { n, slots, segments: count }, kk.grid1d(slots));
  sortKeys(gpu, keys, slots);
  const pixels = empty(gpu, [n], 'u32', `${op} pixels`);
  const offsets = empty(gpu, [count + 1], 'u32', `${op} offsets`);
  const kc = gpu.kernel({ file: FILE, source, entry: 'segment_csr' });
  kc.dispatch({ sorted: keys.buffer, pixels: pixels.buffer, offsets: offsets.buffer }, { n, slots, segments: count }, kc.grid1d(Math.max(n, count + 1)));
  keys.dispose();
  return new Segments(labels.shape, count, view(labels, [n]), pixels, offsets);
}

/** Sorts vec2u keys [slots] (a power of two) ascending with a bitonic network in place. */
function sortKeys(gpu: Gpu, keys: Tensor, slots: number): void {
  const k = gpu.kernel({ file: FILE, source, entry: 'segment_sort_step' });
  const half = slots / 2;
  const grid = k.grid1d(Math.ceil(half / k.constant('E')));
  for (let size = 2; size <= slots; size *= 2) {
    for (let j = size / 2; j >= 1; j /= 2) k.dispatch({ keys: keys.buffer }, { half, k: size, j, jlog: Math.log2(j) }, grid);
  }
}

/**
 * Reads `labels` back (a sync point) and throws GpuUsageError naming the first label outside
 * [0, count): the kernels cannot raise errors and leave such pixels out of every segment.
 */
export async function checkLabels(labels: Tensor, count: number): Promise<void> {
  const op = 'checkLabels';
  checkInputs(op, [labels], 'i32');
  checkCount(op, count);
  const data = await labels.data();
  const bad = data.findIndex((l) => l < 0 || l >= count);
  if (bad >= 0) throw new GpuUsageError(op, `labels[${bad}]: expected a label in [0, ${count}), got ${data[bad]}`);
}

function checkValues(op: string, values: Tensor, segs: Segments): void {
  checkInputs(op, [values]);
  if (!(segs instanceof Segments)) throw new GpuUsageError(op, `segments: expected a Segments from buildSegments, got ${String(segs)}`);
  segs.assertLive(op);
  if (values.gpu !== segs.gpu) throw new GpuUsageError(op, 'segments: expected segments on the same GPU as the values, got another device');
  if (values.size !== segs.size) throw new GpuUsageError(op, `values shape: expected ${segs.size} elements (labels ${fmtShape(segs.shape)}), got ${fmtShape(values.shape)}`);
}

/** (segment, value) keys of every pixel in CSR order, sorted: each segment's values ascending. */
function sortedValueKeys(values: Tensor, segs: Segments): Tensor {
  const gpu = values.gpu;
  const n = segs.size;
  const slots = 2 ** Math.ceil(Math.log2(n));
  const keys = empty(gpu, [slots, 2], 'u32', 'segment value keys');
  const k = gpu.kernel({ file: FILE, source, entry: 'segment_value_keys' });
  k.dispatch({ labels: segs.labels.buffer, values: values.buffer, pixels_in: segs.pixels.buffer, keys: keys.buffer }, { n, slots, segments: segs.count }, k.grid1d(slots));
  sortKeys(gpu, keys, slots);
  return keys;
}

/**
 * Values [H·W elements] sorted ascending inside each segment: f32 [H·W], segment s at
 * positions offsets[s] … offsets[s+1] − 1, pixels in no segment after offsets[S]. Not
 * differentiable (a permutation used for thresholds).
 */
export function segmentSort(values: Tensor, segs: Segments): Tensor {
  const op = 'segmentSort';
  checkValues(op, values, segs);
  const keys = sortedValueKeys(values, segs);
  const out = empty(values.gpu, [segs.size], 'f32', op);
  const k = values.gpu.kernel({ file: FILE, source, entry: 'segment_sorted_values' });
  k.dispatch({ sorted: keys.buffer, out: out.buffer }, { n: segs.size, slots: keys.shape[0], segments: segs.count }, k.grid1d(segs.size));
  keys.dispose();
  return out;
}

/** Per-segment OBPM results: thresholds T_s (f32 [S]) and first argmaxes q_s (i32 [S]). */
export interface ObpmThresholds {
  threshold: Tensor;
  argmax: Tensor;
}

/**
 * OBPM thresholds (docs/superad.md#obpm, steps 2–3) of per-pixel losses `loss` (H·W elements):
 * per superpixel s with n_s pixels, v = its losses ascending, d_0 = 0, d_i = v_i − v_{i−1},
 * a_i = (1/7)·Σ_{t=i−3}^{i+3} d_t (zero outside), q = the first argmax, T_s = v_q, or 10⁴
 * when q ≤ thIdx·n_s. q is taken over the reference code's index range [−(H·W − n_s), n_s − 1]
 * (its sort pads each superpixel with H·W − n_s copies of min v), so a maximum in the padded
 * prefix gives a negative q, and q = −(H·W − n_s) when every a is 0 (a constant superpixel).
 * T_s = v_max(q,0) for q < 0 (the padding equals v_0); with thIdx ≥ 0 a negative q always
 * gives 10⁴. An empty superpixel gives q = −H·W, T = 10⁴. Losses must be ≥ 0 (OBPM's always
 * are): the reference code's zero padding is sorted in before it becomes min v, which equals
 * this local form only then. The caller disposes both tensors.
 */
export function obpmThresholds(loss: Tensor, segs: Segments, thIdx = 0.25): ObpmThresholds {
  const op = 'obpmThresholds';
  checkValues(op, loss, segs);
  checkFinite(op, 'thIdx', thIdx);
  const gpu = loss.gpu;
  const keys = sortedValueKeys(loss, segs);
  const threshold = empty(gpu, [segs.count], 'f32', `${op} threshold`);
  const argmax = empty(gpu, [segs.count], 'i32', `${op} argmax`);
  const k = gpu.kernel({ file: FILE, source, entry: 'obpm_threshold' });
  k.dispatch(
    { offsets_in: segs.offsets.buffer, sorted: keys.buffer, threshold: threshold.buffer, argmax: argmax.buffer },
    { n: segs.size, segments: segs.count, th_idx: thIdx }, k.grid1d(segs.count),
  );
  keys.dispose();
  return { threshold, argmax };
}

/**
 * OBPM keep-mask (docs/superad.md#obpm, step 4): f32 1 where L_p ≤ T_{ℓ(p)}, else 0, shaped like
 * `loss`. As in the reference code, which reads a pixel's loss through its superpixel's row
 * only, a pixel in no superpixel gets 0; a pixel with L > 10⁴ is dropped even where its
 * superpixel keeps everything. Not differentiable: the reference's torch.where comparison
 * carries no gradient; the kept loss is then sum(mask · L) / (H·W) with ordinary ops, and its
 * gradient flows through L only.
 */
export function obpmKeepMask(loss: Tensor, segs: Segments, thIdx = 0.25): Tensor {
  const op = 'obpmKeepMask';
  checkValues(op, loss, segs);
  checkFinite(op, 'thIdx', thIdx);
  const gpu = loss.gpu;
  const { threshold, argmax } = obpmThresholds(loss, segs, thIdx);
  const mask = empty(gpu, loss.shape, 'f32', op);
  const k = gpu.kernel({ file: FILE, source, entry: 'obpm_mask' });
  const grid = k.grid1d(Math.ceil(segs.size / k.constant('E')));
  k.dispatch({ labels: segs.labels.buffer, values: loss.buffer, threshold_in: threshold.buffer, out: mask.buffer }, { n: segs.size, segments: segs.count, th_idx: thIdx }, grid);
  threshold.dispose();
  argmax.dispose();
  return mask;
}

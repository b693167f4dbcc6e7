/**
 * Superpixel pooling and unpooling (shaders/superpixel.wgsl), Super-AD's token path
 * (docs/superad.md#token-path): features [..., H, W] → per-superpixel means [..., S]
 * (torch_scatter's scatter mean; an empty superpixel gives 0), and tokens [..., S] gathered
 * back to [..., H, W]. Each is the other's backward up to the 1/n_s factor.
 *
 * Both take a `Segments` (buildSegments in ./segment.ts), built once from the fixed labels and
 * reused every step, or the labels and S (a Segments is then built and freed per call). Sums
 * run in a fixed CSR order without atomics: the same bits on every run. Labels outside [0, S)
 * put their pixel in no superpixel: pooling ignores it, unpooling writes 0 there and no gradient
 * flows through it (`await checkLabels(labels, S)` turns them into an error).
 */
import source from '../../shaders/superpixel.wgsl';
import { GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, type Shape, type Tensor } from '../tensor/tensor.ts';
import { buildSegments, Segments } from './segment.ts';
import { checkInputs } from './util.ts';

const FILE = 'superpixel.wgsl';
/** Rows of the planes each invocation handles (a vec4f of sums in segment_sum). */
const ROWS = wgslConstants(FILE, source, 'SPX_').get('rows')!;

type Entry = 'superpixel_pool_forward' | 'superpixel_pool_backward' | 'superpixel_unpool_forward' | 'superpixel_unpool_backward';

/**
 * [H, W] and S of a Segments, or of labels and a count checked as buildSegments checks them,
 * so every argument error is raised before any GPU work (the CSR is built after).
 */
function geometry(op: string, x: Tensor, segs: Segments | Tensor, count?: number): { shape: Shape; count: number } {
  if (segs instanceof Segments) {
    segs.assertLive(op);
    if (segs.gpu !== x.gpu) throw new GpuUsageError(op, 'segments: expected segments on the same GPU as the input, got another device');
    return { shape: segs.shape, count: segs.count };
  }
  if (count === undefined) throw new GpuUsageError(op, `segments: expected a Segments, or labels and a segment count, got ${String(segs)} without a count`);
  checkInputs(op, [x, segs], null);
  if (segs.dtype !== 'i32') throw new GpuUsageError(op, `labels dtype: expected i32, got ${segs.dtype} ${fmtShape(segs.shape)}`);
  if (segs.rank !== 2 || segs.size === 0) throw new GpuUsageError(op, `labels shape: expected [H, W] with H, W ≥ 1, got ${fmtShape(segs.shape)}`);
  if (!Number.isInteger(count) || count < 1 || count > 2 ** 31 - 1) throw new GpuUsageError(op, `segment count: expected an integer in [1, 2³¹), got ${count}`);
  return { shape: segs.shape, count };
}

/** The Segments given, or one built from the labels that the caller must free (`own`). */
function resolve(segs: Segments | Tensor, count: number): { segs: Segments; own: boolean } {
  return segs instanceof Segments ? { segs, own: false } : { segs: buildSegments(segs, count), own: true };
}

/** Row-wise segment sums (mean or sum) of planes [rows, N] into [rows, S]. */
function segmentSum(entry: Entry, x: Tensor, outShape: Shape, s: { pixels: Tensor; offsets: Tensor; count: number; size: number }): Tensor {
  const gpu = x.gpu;
  const out = empty(gpu, outShape, 'f32', entry);
  const rows = x.size / s.size;
  if (out.size === 0) return out;
  const k = gpu.kernel({ file: FILE, source, entry });
  const blocks = Math.ceil(rows / ROWS) * s.count;
  k.dispatch({ pixels: s.pixels.buffer, offsets: s.offsets.buffer, x: x.buffer, out: out.buffer }, { rows, n: s.size, segments: s.count }, k.grid1d(blocks));
  return out;
}

/** Row-wise gather of token rows [rows, S] to planes [rows, N] (÷ n_s when `entry` is the mean's backward). */
function spread(entry: Entry, x: Tensor, outShape: Shape, s: { labels: Tensor; pixels: Tensor; offsets: Tensor; count: number; size: number }): Tensor {
  const gpu = x.gpu;
  const out = empty(gpu, outShape, 'f32', entry);
  if (out.size === 0) return out;
  const rows = x.size / s.count;
  const k = gpu.kernel({ file: FILE, source, entry });
  const grid = k.grid1d(Math.ceil(rows / ROWS) * Math.ceil(s.size / k.constant('CHUNK')));
  k.dispatch({ labels: s.labels.buffer, pixels: s.pixels.buffer, offsets: s.offsets.buffer, x: x.buffer, out: out.buffer }, { rows, n: s.size, segments: s.count }, grid);
  return out;
}

/**
 * Per-superpixel means: features [..., H, W] (e.g. [C, H, W] or [1, C, H, W]) and labels
 * [H, W] with S superpixels give [..., S], out[..., s] = mean of features[..., p] over the
 * pixels p labelled s (0 for an empty superpixel). Differentiable w.r.t. the features:
 * dFeatures[..., p] = dOut[..., ℓ(p)] / n_ℓ(p).
 */
export function superpixelPool(features: Tensor, segments: Segments | Tensor, count?: number): Tensor {
  const op = 'superpixelPool';
  checkInputs(op, [features]);
  const g = geometry(op, features, segments, count);
  const [h, w] = g.shape;
  if (features.rank < 2 || features.shape[features.rank - 2] !== h || features.shape[features.rank - 1] !== w) {
    throw new GpuUsageError(op, `features shape: expected [..., ${h}, ${w}] (the labels' [H, W]), got ${fmtShape(features.shape)}`);
  }
  const { segs, own } = resolve(segments, g.count);
  const s = { pixels: segs.pixels, offsets: segs.offsets, labels: segs.labels, count: segs.count, size: segs.size };
  const y = segmentSum('superpixel_pool_forward', features, [...features.shape.slice(0, -2), segs.count], s);
  // dFeatures[…, p] = dy[…, ℓ(p)] / n_ℓ(p)
  const out = record(op, [features], y, [segs.labels, segs.pixels, segs.offsets], (dy, [labels, pixels, offsets]) => [
    spread('superpixel_pool_backward', dy, features.shape, { ...s, labels, pixels, offsets }),
  ]);
  if (own) segs.dispose();
  return out;
}

/**
 * Superpixel unpooling (a gather): tokens [..., S] and labels [H, W] give [..., H, W],
 * out[..., p] = tokens[..., ℓ(p)] (0 where the label is outside [0, S)). Differentiable
 * w.r.t. the tokens: dTokens[..., s] = Σ over pixels labelled s of dOut[..., p].
 */
export function superpixelUnpool(tokens: Tensor, segments: Segments | Tensor, count?: number): Tensor {
  const op = 'superpixelUnpool';
  checkInputs(op, [tokens]);
  const g = geometry(op, tokens, segments, count);
  if (tokens.rank < 1 || tokens.shape[tokens.rank - 1] !== g.count) {
    throw new GpuUsageError(op, `tokens shape: expected [..., ${g.count}] (one token per superpixel), got ${fmtShape(tokens.shape)}`);
  }
  const { segs, own } = resolve(segments, g.count);
  const s = { pixels: segs.pixels, offsets: segs.offsets, labels: segs.labels, count: segs.count, size: segs.size };
  const y = spread('superpixel_unpool_forward', tokens, [...tokens.shape.slice(0, -1), ...segs.shape], s);
  // dTokens[…, s] = Σ_{ℓ(p) = s} dy[…, p]
  const out = record(op, [tokens], y, [segs.pixels, segs.offsets], (dy, [pixels, offsets]) => [
    segmentSum('superpixel_unpool_backward', dy, tokens.shape, { ...s, pixels, offsets }),
  ]);
  if (own) segs.dispose();
  return out;
}

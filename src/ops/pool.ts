/**
 * 2-D pooling of NCHW tensors (shaders/pool.wgsl), as torch.nn.functional.avg_pool2d,
 * max_pool2d and adaptive_avg_pool2d (ceil_mode = false). Backward kernels gather per input
 * element, so gradients are deterministic:
 *   avg: dx[i] = Σ_{windows ∋ i} dy / divisor;  max: dx[i] = Σ_{windows whose argmax is i} dy.
 */
import source from '../../shaders/pool.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, type Tensor } from '../tensor/tensor.ts';
import { checkInputs, launch, pair, type Pair } from './util.ts';

const FILE = 'pool.wgsl';

interface Geometry {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  include_pad: number;
}

type Entry = 'avg_pool_forward' | 'avg_pool_backward' | 'max_pool_forward' | 'max_pool_backward';

function run(entry: Entry, adaptive: boolean, g: Geometry, tensors: Record<string, Tensor>, invocations: number): void {
  launch({ file: FILE, source, entry, overrides: { ADAPTIVE: adaptive ? 1 : 0 } }, tensors, { ...g }, invocations);
}

function checkInput(op: string, x: Tensor): void {
  checkInputs(op, [x]);
  if (x.rank !== 4) throw new GpuUsageError(op, `input: expected shape [N, C, H, W], got ${fmtShape(x.shape)}`);
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
  /** Count padded zeros in the divisor (PyTorch default true). */
  countIncludePad?: boolean;
}

export interface MaxPool2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}

/** Window geometry of a (dilated) k×k pooling, checked as PyTorch does. */
function geometry(op: string, x: Tensor, kernel: Pair, o: { stride?: Pair; padding?: Pair; dilation?: Pair }, includePad: boolean): Geometry {
  const [kh, kw] = pair(op, 'kernel', kernel, 1);
  const [sh, sw] = pair(op, 'stride', o.stride, 1, [kh, kw]);
  const [ph, pw] = pair(op, 'padding', o.padding, 0, 0);
  const [dh, dw] = pair(op, 'dilation', o.dilation, 1, 1);
  const [n, c, h, w] = x.shape;
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  if (2 * ph > eh || 2 * pw > ew) throw new GpuUsageError(op, `padding: expected at most half the kernel extent [${eh}, ${ew}], got [${ph}, ${pw}]`);
  const oh = Math.floor((h + 2 * ph - eh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - ew) / sw) + 1;
  if (oh < 1 || ow < 1) throw new GpuUsageError(op, `input: expected at least the kernel extent [${eh}, ${ew}] after padding, got ${fmtShape(x.shape)}`);
  return { planes: n * c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, include_pad: includePad ? 1 : 0 };
}

/** Average (adaptive or windowed) pooling with its gradient. */
function avgPool(op: string, x: Tensor, g: Geometry, adaptive: boolean): Tensor {
  const [n, c] = x.shape;
  const y = empty(x.gpu, [n, c, g.oh, g.ow], 'f32', op);
  if (y.size === 0) return y;
  run('avg_pool_forward', adaptive, g, { x, y }, y.size);
  return record(op, [x], y, [], (dy) => {
    const dx = empty(dy.gpu, x.shape, 'f32', `d${op}`);
    run('avg_pool_backward', adaptive, g, { dy, dx }, dx.size);
    return [dx];
  });
}

/** Mean over k×k windows of x [N, C, H, W] (torch avg_pool2d, zero padding, ceil_mode false). */
export function avgPool2d(x: Tensor, kernel: Pair, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  checkInput(op, x);
  const g = geometry(op, x, kernel, { stride: opts.stride, padding: opts.padding }, opts.countIncludePad ?? true);
  return avgPool(op, x, g, false);
}

/** Mean over PyTorch's adaptive windows ⌊o·H/OH⌋ … ⌈(o+1)·H/OH⌉; outputSize 1 is global average pooling. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkInput(op, x);
  const [oh, ow] = pair(op, 'outputSize', outputSize, 1, 1);
  const [n, c, h, w] = x.shape;
  if (h < 1 || w < 1) throw new GpuUsageError(op, `input: expected non-empty H and W, got ${fmtShape(x.shape)}`);
  const g: Geometry = { planes: n * c, h, w, oh, ow, kh: 0, kw: 0, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, include_pad: 0 };
  return avgPool(op, x, g, true);
}

/**
 * Maximum over (dilated) k×k windows of x [N, C, H, W] (torch max_pool2d, −inf padding,
 * ceil_mode false); the gradient goes to the first maximum in window order.
 */
export function maxPool2d(x: Tensor, kernel: Pair, opts: MaxPool2dOptions = {}): Tensor {
  const op = 'maxPool2d';
  checkInput(op, x);
  const g = geometry(op, x, kernel, opts, false);
  const [n, c] = x.shape;
  const y = empty(x.gpu, [n, c, g.oh, g.ow], 'f32', op);
  if (y.size === 0) return y;
  const argmax = empty(x.gpu, y.shape, 'u32', 'maxPool2d.argmax');
  run('max_pool_forward', false, g, { x, y, argmax }, y.size);
  const out = record(op, [x], y, [argmax], (dy, [am]) => {
    const dx = empty(dy.gpu, x.shape, 'f32', 'dmaxPool2d');
    run('max_pool_backward', false, g, { dy, argmax_in: am, dx }, dx.size);
    return [dx];
  });
  argmax.dispose();
  return out;
}

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
import { checkInputs } from './util.ts';

const FILE = 'pool.wgsl';

/** A size for both spatial axes, or [height, width]. */
export type Size2 = number | readonly [number, number];

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

function launch(entry: Entry, adaptive: boolean, g: Geometry, buffers: Record<string, Tensor>, invocations: number): void {
  const t0 = Object.values(buffers)[0];
  const k = t0.gpu.kernel({ file: FILE, source, entry, overrides: { ADAPTIVE: adaptive ? 1 : 0 } });
  const bound: Record<string, Tensor['buffer']> = {};
  for (const [name, t] of Object.entries(buffers)) bound[name] = t.buffer;
  k.dispatch(bound, { ...g }, k.grid1d(invocations));
}

function pair(op: string, name: string, v: Size2 | undefined, fallback: readonly [number, number], min: number): [number, number] {
  if (v === undefined || v === null) return [fallback[0], fallback[1]];
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw new GpuUsageError(op, `${name}: expected an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

function checkInput(op: string, x: Tensor): void {
  checkInputs(op, [x]);
  if (x.rank !== 4) throw new GpuUsageError(op, `input: expected shape [N, C, H, W], got ${fmtShape(x.shape)}`);
}

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  padding?: Size2;
  /** Count padded zeros in the divisor (PyTorch default true). */
  countIncludePad?: boolean;
}

export interface MaxPool2dOptions {
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
}

/** Window geometry of a (dilated) k×k pooling, checked as PyTorch does. */
function geometry(op: string, x: Tensor, kernel: Size2, o: { stride?: Size2; padding?: Size2; dilation?: Size2 }, includePad: boolean): Geometry {
  const [kh, kw] = pair(op, 'kernel', kernel, [0, 0], 1);
  const [sh, sw] = pair(op, 'stride', o.stride, [kh, kw], 1);
  const [ph, pw] = pair(op, 'padding', o.padding, [0, 0], 0);
  const [dh, dw] = pair(op, 'dilation', o.dilation, [1, 1], 1);
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
  launch('avg_pool_forward', adaptive, g, { x, y }, y.size);
  return record(op, [x], y, [], (dy) => {
    const dx = empty(dy.gpu, x.shape, 'f32', `d${op}`);
    launch('avg_pool_backward', adaptive, g, { dy, dx }, dx.size);
    return [dx];
  });
}

/** Mean over k×k windows of x [N, C, H, W] (torch avg_pool2d, zero padding, ceil_mode false). */
export function avgPool2d(x: Tensor, kernel: Size2, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  checkInput(op, x);
  const g = geometry(op, x, kernel, { stride: opts.stride, padding: opts.padding }, opts.countIncludePad ?? true);
  return avgPool(op, x, g, false);
}

/** Mean over PyTorch's adaptive windows ⌊o·H/OH⌋ … ⌈(o+1)·H/OH⌉; outputSize 1 is global average pooling. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Size2): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkInput(op, x);
  const [oh, ow] = pair(op, 'outputSize', outputSize, [1, 1], 1);
  const [n, c, h, w] = x.shape;
  if (h < 1 || w < 1) throw new GpuUsageError(op, `input: expected non-empty H and W, got ${fmtShape(x.shape)}`);
  const g: Geometry = { planes: n * c, h, w, oh, ow, kh: 0, kw: 0, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, include_pad: 0 };
  return avgPool(op, x, g, true);
}

/**
 * Maximum over (dilated) k×k windows of x [N, C, H, W] (torch max_pool2d, −inf padding,
 * ceil_mode false); the gradient goes to the first maximum in window order.
 */
export function maxPool2d(x: Tensor, kernel: Size2, opts: MaxPool2dOptions = {}): Tensor {
  const op = 'maxPool2d';
  checkInput(op, x);
  const g = geometry(op, x, kernel, opts, false);
  const [n, c] = x.shape;
  const y = empty(x.gpu, [n, c, g.oh, g.ow], 'f32', op);
  if (y.size === 0) return y;
  const argmax = empty(x.gpu, y.shape, 'u32', 'maxPool2d.argmax');
  launch('max_pool_forward', false, g, { x, y, argmax }, y.size);
  const out = record(op, [x], y, [argmax], (dy, [am]) => {
    const dx = empty(dy.gpu, x.shape, 'f32', 'dmaxPool2d');
    launch('max_pool_backward', false, g, { dy, argmax_in: am, dx }, dx.size);
    return [dx];
  });
  argmax.dispose();
  return out;
}

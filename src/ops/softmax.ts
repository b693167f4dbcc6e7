/**
 * Softmax and log-softmax along one axis (shaders/softmax.wgsl): fused, max-shifted forward
 * kernels and fused backward kernels that need only the saved output y.
 *   softmax:    dx = y · (dy − Σ dy·y)
 *   logSoftmax: dx = dy − softmax · Σ dy = dy − exp(y) · Σ dy
 * x is viewed as [outer, n, inner] around the axis, so any axis runs without a transpose.
 */
import source from '../../shaders/softmax.wgsl';
import { record } from '../autograd/tape.ts';
import { empty, normAxis, shapeSize, type Tensor } from '../tensor/tensor.ts';
import { checkInputs, launch } from './util.ts';

const FILE = 'softmax.wgsl';

interface Rows {
  outer: number;
  n: number;
  inner: number;
}

function rowsOf(x: Tensor, axis: number): Rows {
  return { outer: shapeSize(x.shape.slice(0, axis)), n: x.shape[axis], inner: shapeSize(x.shape.slice(axis + 1)) };
}

/** One invocation per row; rows of length 0 (an empty tensor) dispatch nothing. */
function run(entry: 'softmax_forward' | 'softmax_backward', log: boolean, rows: Rows, tensors: Record<string, Tensor>, out: Tensor): void {
  if (out.size > 0) launch({ file: FILE, source, entry, overrides: { LOG: log ? 1 : 0 } }, tensors, { ...rows }, rows.outer * rows.inner);
}

function softmaxOp(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  checkInputs(op, [x]);
  const log = op === 'logSoftmax';
  const rows = rowsOf(x, normAxis(op, axis, x.rank));
  const y = empty(x.gpu, x.shape, 'f32', op);
  run('softmax_forward', log, rows, { x, y }, y);
  return record(op, [x], y, [y], (dy, [ys]) => {
    const dx = empty(dy.gpu, ys.shape, 'f32', `d${op}`);
    run('softmax_backward', log, rows, { ys, dy, dx }, dx);
    return [dx];
  });
}

/** exp(x) / Σ exp(x) along `axis` (default the last), computed max-shifted: never overflows. */
export const softmax = (x: Tensor, axis = -1): Tensor => softmaxOp('softmax', x, axis);
/** x − log Σ exp(x) along `axis` (default the last); exact for very negative outputs. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxOp('logSoftmax', x, axis);

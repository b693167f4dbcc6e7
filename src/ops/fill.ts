/**
 * Creating tensors: from host arrays (one upload), or on the GPU (shaders/fill.wgsl) for
 * constants and ranges, so creation inside a training step records a dispatch instead of
 * forcing a submit. Created tensors are leaves: no gradient flows into them.
 */
import source from '../../shaders/fill.wgsl';
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { checkShape, empty, fmtShape, shapeSize, type DType, type Shape, type Tensor } from '../tensor/tensor.ts';
import { checkFinite, elementGrid } from './util.ts';

const FILE = 'fill.wgsl';
const DTYPES: readonly DType[] = ['f32', 'i32', 'u32'];

export type HostData = Float32Array | Int32Array | Uint32Array | readonly number[];

/** A tensor holding `data` (shape defaults to [data.length]; dtype follows a typed array). */
export function tensor(gpu: Gpu, data: HostData, shape?: Shape, dtype?: DType): Tensor {
  const op = 'tensor';
  const dt = dtype ?? (data instanceof Int32Array ? 'i32' : data instanceof Uint32Array ? 'u32' : 'f32');
  checkDType(op, dt);
  const sh = shape ?? [data.length];
  checkShape(op, sh);
  if (shapeSize(sh) !== data.length) throw new GpuUsageError(op, `data: expected ${shapeSize(sh)} values for shape ${fmtShape(sh)}, got ${data.length}`);
  const typed = dt === 'f32' ? Float32Array.from(data) : dt === 'i32' ? Int32Array.from(data) : Uint32Array.from(data);
  if (dt === 'f32') {
    const bad = (typed as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new GpuUsageError(op, `data[${bad}]: expected finite values (kernels do not handle NaN/Inf), got ${typed[bad]}`);
  }
  const t = empty(gpu, sh, dt, op);
  if (typed.length > 0) gpu.write(t.buffer, typed);
  return t;
}

/** A tensor of `shape` with every element `value`. */
export function full(gpu: Gpu, shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  const op = 'full';
  checkDType(op, dtype);
  checkShape(op, shape);
  checkFinite(op, 'value', value);
  if (dtype !== 'f32' && !Number.isInteger(value)) throw new GpuUsageError(op, `value: expected an integer for ${dtype}, got ${value}`);
  const words = dtype === 'f32' ? new Float32Array([value]) : dtype === 'i32' ? new Int32Array([value]) : new Uint32Array([value]);
  const t = empty(gpu, shape, dtype, op);
  const k = gpu.kernel({ file: FILE, source, entry: 'fill_forward' });
  if (t.size > 0) k.dispatch({ out: t.buffer }, { n: t.size, bits: new Uint32Array(words.buffer)[0], start_f: 0, step_f: 0, start_i: 0, step_i: 0 }, elementGrid(k, t.size));
  return t;
}

export const zeros = (gpu: Gpu, shape: Shape, dtype: DType = 'f32'): Tensor => full(gpu, shape, 0, dtype);
export const ones = (gpu: Gpu, shape: Shape, dtype: DType = 'f32'): Tensor => full(gpu, shape, 1, dtype);
export const zerosLike = (t: Tensor): Tensor => full(t.gpu, t.shape, 0, t.dtype);
export const onesLike = (t: Tensor): Tensor => full(t.gpu, t.shape, 1, t.dtype);

/** [start, start + step, …) below `stop` (NumPy's arange; one argument means [0, stop)). */
export function arange(gpu: Gpu, start: number, stop?: number, step = 1, dtype: DType = 'f32'): Tensor {
  const op = 'arange';
  checkDType(op, dtype);
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) checkFinite(op, name, v);
  if (step === 0) throw new GpuUsageError(op, 'step: expected a non-zero number, got 0');
  if (dtype !== 'f32' && ![start, stop, step].every(Number.isInteger)) throw new GpuUsageError(op, `start, stop, step: expected integers for ${dtype}, got ${start}, ${stop}, ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const t = empty(gpu, [n], dtype, op);
  const k = gpu.kernel({ file: FILE, source, entry: 'arange_forward', overrides: { DT: DTYPES.indexOf(dtype) } });
  if (n > 0) k.dispatch({ out: t.buffer }, { n, bits: 0, start_f: start, step_f: step, start_i: start | 0, step_i: step | 0 }, elementGrid(k, n));
  return t;
}

function checkDType(op: string, dtype: DType): void {
  if (!DTYPES.includes(dtype)) throw new GpuUsageError(op, `dtype: expected one of ${DTYPES.join(', ')}, got ${dtype}`);
}

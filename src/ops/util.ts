/**
 * Checks and small helpers shared by the op families: argument validation that runs before
 * any GPU work is encoded (docs/engine.md#errors: errors at op entry), and elementwise dispatch grids.
 */
import { GpuUsageError, type Kernel, type KernelSpec, type ParamValues } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { buffersOf, fmtShape, type DType, type Tensor } from '../tensor/tensor.ts';

/** Throws unless every tensor is live, on one GPU, and of dtype `dtype` (when given). */
export function checkInputs(op: string, tensors: readonly Tensor[], dtype: DType | null = 'f32'): void {
  const gpu = tensors[0]?.gpu;
  tensors.forEach((t, i) => {
    if (!t || typeof t !== 'object' || !('storage' in t)) throw new GpuUsageError(op, `input ${i}: expected a Tensor, got ${String(t)}`);
    t.assertLive(op);
    if (t.gpu !== gpu) throw new GpuUsageError(op, `input ${i}: expected tensors on one GPU, got tensors from two devices`);
    if (dtype && t.dtype !== dtype) throw new GpuUsageError(op, `input ${i} dtype: expected ${dtype}, got ${t.dtype} ${fmtShape(t.shape)}`);
  });
}

/** Workgroups for `n` elements when each invocation handles the kernel's `E` elements. */
export function elementGrid(k: Kernel, n: number): [number, number, number] {
  return k.grid1d(Math.ceil(n / k.constant('E')));
}

/** Throws unless `v` is a finite number (scalars passed to kernels). */
export function checkFinite(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new GpuUsageError(op, `${name}: expected a finite number, got ${v}`);
}

/** Disposes the intermediate handles of a chain (the tape keeps what backward needs). */
export function drop(...ts: (Tensor | null)[]): void {
  for (const t of ts) t?.dispose();
}

/**
 * One dispatch of `spec` with `tensors` bound by name and `params`: `invocations` invocations laid
 * out by grid1d or, when `elementwise`, invocations of the kernel's E elements each.
 */
export function launch(spec: KernelSpec, tensors: Readonly<Record<string, Tensor>>, params: ParamValues, invocations: number, elementwise = false): void {
  const k = Object.values(tensors)[0].gpu.kernel(spec);
  k.dispatch(buffersOf(tensors), params, elementwise ? elementGrid(k, invocations) : k.grid1d(invocations));
}

/** A size for both spatial axes, or [height, width] (strides, paddings, kernel sizes…). */
export type Pair = number | readonly [number, number];

/** [h, w] of a Pair option, `fallback` when it is undefined; both integers ≥ `min`. */
export function pair(op: string, name: string, v: Pair | undefined, min: number, fallback?: Pair): [number, number] {
  const p = v ?? fallback;
  const hw = typeof p === 'number' ? [p, p] : p;
  if (!Array.isArray(hw) || hw.length !== 2 || !hw.every((d) => Number.isInteger(d) && d >= min)) {
    throw new OptionError(op, `${name}: expected an integer ≥ ${min} or a pair of them, got ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  }
  return [hw[0], hw[1]];
}

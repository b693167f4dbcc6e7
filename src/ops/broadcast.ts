/**
 * NumPy broadcasting on shapes: the result shape, per-input element strides (0 along
 * broadcast dimensions), and dimension collapsing so kernels index as few dimensions as
 * possible ([B, C, H, W] + [1, C, 1, 1] becomes [B, C, H·W]).
 */
import { GpuUsageError } from '../gpu/index.ts';
import { contiguousStrides, fmtShape, type Shape } from '../tensor/tensor.ts';

/** Most dimensions a broadcasting kernel indexes after collapsing (the Params arrays hold 8). */
export const MAX_RANK = 8;

/** The broadcast shape of `shapes` (NumPy rules), or an error naming both shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = rank - s.length + i;
      if (s[i] === out[d] || s[i] === 1) continue;
      if (out[d] !== 1) throw new GpuUsageError(op, `shapes: expected broadcastable shapes, got ${shapes.map(fmtShape).join(' and ')}`);
      out[d] = s[i];
    }
  }
  return out;
}

/** Element strides of `shape` read as `out` (0 on broadcast and missing leading dimensions). */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const st = contiguousStrides(shape);
  return out.map((d, i) => {
    const j = i - (out.length - shape.length);
    return j < 0 || (shape[j] === 1 && d !== 1) ? 0 : st[j];
  });
}

export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/** Drops size-1 dimensions and merges neighbours that every input walks contiguously. */
export function collapse(op: string, out: Shape, strides: number[][]): Collapsed {
  const shape: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const last = shape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => st[k][last] === s[d] * out[d]);
    if (mergeable) {
      shape[last] *= out[d];
      strides.forEach((s, k) => (st[k][last] = s[d]));
    } else {
      shape.push(out[d]);
      strides.forEach((s, k) => st[k].push(s[d]));
    }
  }
  if (shape.length > MAX_RANK) throw new GpuUsageError(op, `rank: expected at most ${MAX_RANK} dimensions after merging, got ${fmtShape(out)}`);
  return { shape, strides: st };
}

/** The axes of `out` along which a tensor of `shape` was broadcast (for reducing its gradient). */
export function broadcastAxes(shape: Shape, out: Shape): number[] {
  const axes: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const j = i - (out.length - shape.length);
    if (j < 0 || (shape[j] === 1 && out[i] !== 1)) axes.push(i);
  }
  return axes;
}

/**
 * Float64 reference for torchvision's ResNet BasicBlock, composed from the textbook conv2d and
 * batch-norm loops of test/ref/conv2d.ts and test/ref/norm.ts (independent of the engine's
 * kernels). Parameters are keyed by torchvision's state_dict names (conv1.weight, bn1.weight,
 * downsample.0.weight, …); batch norm uses the batch statistics (training) or the running ones.
 */
import { conv2dRef } from './conv2d.ts';
import { batchNormRef } from './norm.ts';
import type { ParamsRef } from './attention.ts';

export interface BasicBlockRefOptions {
  stride: number;
  /** Batch statistics (training mode) or the running ones in p (eval). */
  training: boolean;
  eps?: number;
}

/** BN over x [N, C, L] with the parameters and buffers of `name` in p. */
function bn(x: Float64Array, n: number, c: number, l: number, p: ParamsRef, name: string, o: BasicBlockRefOptions): Float64Array {
  const stats = o.training ? [null, null] as const : [p[`${name}.runningMean`], p[`${name}.runningVar`]] as const;
  return batchNormRef(x, n, c, l, stats[0], stats[1], p[`${name}.weight`], p[`${name}.bias`], o.training, 0.1, o.eps ?? 1e-5).y;
}

const relu = (a: Float64Array): Float64Array => a.map((v) => Math.max(v, 0));

/**
 * BasicBlock of x [N, C, H, W] → [N, planes, HO, WO]: ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) +
 * shortcut(x)), the shortcut a 1×1 conv + BN when p has 'downsample.0.weight'.
 */
export function basicBlockRef(x: ArrayLike<number>, xs: readonly number[], p: ParamsRef, o: BasicBlockRefOptions): { y: Float64Array; shape: number[] } {
  const [n, c, h, w] = xs;
  const planes = p['bn1.weight'].length;
  const s = o.stride;
  const ho = Math.floor((h - 1) / s) + 1;
  const wo = Math.floor((w - 1) / s) + 1;
  const l = ho * wo;
  const conv = (v: ArrayLike<number>, vs: readonly number[], name: string, k: number, stride: number): Float64Array =>
    conv2dRef(v, vs, p[name], [planes, vs[1], k, k], null, { stride: [stride, stride], padding: [(k - 1) / 2, (k - 1) / 2] });
  const a = relu(bn(conv(x, xs, 'conv1.weight', 3, s), n, planes, l, p, 'bn1', o));
  const b = bn(conv(a, [n, planes, ho, wo], 'conv2.weight', 3, 1), n, planes, l, p, 'bn2', o);
  const short = p['downsample.0.weight'] ? bn(conv(x, xs, 'downsample.0.weight', 1, s), n, planes, l, p, 'downsample.1', o) : Float64Array.from(x);
  return { y: relu(b.map((v, i) => v + short[i])), shape: [n, planes, ho, wo] };
}

/**
 * Seeded random tensors made on the GPU (shaders/random.wgsl, Philox4x32-10). A value depends
 * only on (seed, stream, index), so a seed reproduces the same numbers in Node and in a
 * browser. A number seed always uses stream 0; a Generator hands each call a fresh stream, so
 * successive draws differ while the whole sequence stays reproducible from one seed.
 */
import source from '../../shaders/random.wgsl';
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { checkShape, empty, type Shape, type Tensor } from '../tensor/tensor.ts';
import { checkFinite } from './util.ts';

const FILE = 'random.wgsl';

/** A seed with a stream counter: each draw from it uses the next stream. */
export class Generator {
  private stream = 0;
  constructor(readonly seed: number) {
    checkSeed('Generator', seed);
  }

  /** The (seed, stream) for the next draw. */
  next(): { seed: number; stream: number } {
    if (this.stream >= 0xffffffff) throw new GpuUsageError('Generator', 'streams: expected fewer than 2³² draws per generator, got more');
    return { seed: this.seed, stream: this.stream++ };
  }
}

export type Seed = number | Generator;

function checkSeed(op: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new GpuUsageError(op, `seed: expected a non-negative safe integer, got ${seed}`);
}

function draw(op: string, gpu: Gpu, shape: Shape, seed: Seed, entry: string, perBlock: number, a: number, b: number): Tensor {
  checkShape(op, shape);
  const { seed: s, stream } = typeof seed === 'number' ? { seed, stream: 0 } : seed.next();
  checkSeed(op, s);
  const t = empty(gpu, shape, entry === 'random_bits' ? 'u32' : 'f32', op);
  const k = gpu.kernel({ file: FILE, source, entry });
  const key1 = Math.floor(s / 2 ** 32);
  const buffers = { [entry === 'random_bits' ? 'bits' : 'out']: t.buffer };
  if (t.size > 0) k.dispatch(buffers, { n: t.size, key0: s >>> 0, key1, stream, a, b }, k.grid1d(Math.ceil(t.size / perBlock)));
  return t;
}

/** Uniform in [lo, hi). */
export function rand(gpu: Gpu, shape: Shape, seed: Seed, lo = 0, hi = 1): Tensor {
  checkFinite('rand', 'lo', lo);
  checkFinite('rand', 'hi', hi);
  if (!(lo <= hi)) throw new GpuUsageError('rand', `bounds: expected lo ≤ hi, got ${lo} > ${hi}`);
  return draw('rand', gpu, shape, seed, 'random_uniform', 4, lo, hi);
}

/** Normal with mean and standard deviation (Box–Muller). */
export function randn(gpu: Gpu, shape: Shape, seed: Seed, mean = 0, std = 1): Tensor {
  checkFinite('randn', 'mean', mean);
  checkFinite('randn', 'std', std);
  if (std < 0) throw new GpuUsageError('randn', `std: expected ≥ 0, got ${std}`);
  return draw('randn', gpu, shape, seed, 'random_normal', 2, mean, std);
}

/** Raw Philox words (u32), e.g. for masks and shuffles. */
export function randBits(gpu: Gpu, shape: Shape, seed: Seed): Tensor {
  return draw('randBits', gpu, shape, seed, 'random_bits', 4, 0, 0);
}

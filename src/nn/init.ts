/**
 * Parameter initialisers as torch.nn.init defines them: the same gains, fans and bounds, drawn
 * on the GPU from the seeded Philox generator (ops/random.ts). Each `…_` function overwrites
 * an existing f32 tensor in place (PyTorch's trailing underscore) and returns it; the tensor
 * keeps its identity and buffer. A zero-element tensor is left as it is (PyTorch warns and
 * does the same).
 *
 * Seeds: pass a number (always the same draw) or a Generator (a fresh stream per draw). Without
 * one, draws come from a module-wide generator seeded with 0 (reset with `manualSeed`), the
 * counterpart of torch's global generator: reproducible for a fixed order of calls.
 */
import { GpuUsageError } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { Generator, rand, randn, type Seed } from '../ops/random.ts';
import { full } from '../ops/fill.ts';
import { fmtShape, type Shape, type Tensor } from '../tensor/tensor.ts';

let globalGenerator = new Generator(0);

/** Restarts the module-wide generator used when no seed is given. */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}

/** The generator that unseeded draws use. */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/** The generator of a layer's `seed` option: a number seeds a new one; none means the module-wide one. */
export function generatorFor(seed: Seed | undefined): Generator {
  return seed === undefined ? defaultGenerator() : typeof seed === 'number' ? new Generator(seed) : seed;
}

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

const LINEAR: readonly string[] = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'];

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leaky_relu's slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const op = 'calculateGain';
  if (LINEAR.includes(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leaky_relu') {
    const slope = param ?? 0.01;
    if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new OptionError(op, `param: expected a finite negative slope, got ${slope}`);
    return Math.sqrt(2 / (1 + slope * slope));
  }
  throw new OptionError(op, `nonlinearity: expected one of ${[...LINEAR, 'tanh', 'relu', 'leaky_relu', 'selu'].join(', ')}, got ${nonlinearity}`);
}

/**
 * Fan-in and fan-out of a weight [out, in, …kernel]: in·receptive and out·receptive, the
 * receptive field being the product of the dimensions after the first two.
 */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new OptionError('fans', `shape: expected at least 2 dimensions [out, in, …], got ${fmtShape(shape)}`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export interface KaimingOptions {
  /** Negative slope of the leaky_relu after this layer (0: relu). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

/** Kaiming's standard deviation gain/√fan for a weight of `shape` (He et al. 2015). */
export function kaimingStd(shape: Shape, opts: KaimingOptions = {}): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = opts;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new OptionError('kaiming', `mode: expected fan_in or fan_out, got ${mode}`);
  const f = fans(shape);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? f.fanIn : f.fanOut);
}

/** Xavier's standard deviation gain·√(2 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
export function xavierStd(shape: Shape, gain = 1): number {
  const f = fans(shape);
  return gain * Math.sqrt(2 / (f.fanIn + f.fanOut));
}

/** Fills `t` with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, seed?: Seed): Tensor {
  return overwrite('uniform_', t, () => rand(t.gpu, t.shape, seed ?? globalGenerator, a, b));
}

/** Fills `t` with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, seed?: Seed): Tensor {
  return overwrite('normal_', t, () => randn(t.gpu, t.shape, seed ?? globalGenerator, mean, std));
}

/** Fills `t` with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  return overwrite('constant_', t, () => full(t.gpu, t.shape, value));
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** U(−bound, bound) with bound = √3 · kaimingStd: keeps activations' variance through the layer. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}, seed?: Seed): Tensor {
  if (checkTarget('kaimingUniform_', t) === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t.shape, opts);
  return uniform_(t, -bound, bound, seed);
}

/** N(0, kaimingStd²). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}, seed?: Seed): Tensor {
  if (checkTarget('kaimingNormal_', t) === 0) return t;
  return normal_(t, 0, kaimingStd(t.shape, opts), seed);
}

/** U(−a, a) with a = √3 · xavierStd. */
export function xavierUniform_(t: Tensor, gain = 1, seed?: Seed): Tensor {
  if (checkTarget('xavierUniform_', t) === 0) return t;
  const a = Math.sqrt(3) * xavierStd(t.shape, gain);
  return uniform_(t, -a, a, seed);
}

/** N(0, xavierStd²). */
export function xavierNormal_(t: Tensor, gain = 1, seed?: Seed): Tensor {
  if (checkTarget('xavierNormal_', t) === 0) return t;
  return normal_(t, 0, xavierStd(t.shape, gain), seed);
}

/** Makes fresh values with `make` and copies them into t's buffer (recorded in order, no sync). */
function overwrite(op: string, t: Tensor, make: () => Tensor): Tensor {
  if (checkTarget(op, t) === 0) return t;
  const src = make();
  t.gpu.recorder.commandEncoder().copyBufferToBuffer(src.buffer.buffer, 0, t.buffer.buffer, 0, t.size * 4);
  src.dispose();
  return t;
}

/** Throws unless `t` is a live f32 tensor; returns its size. */
function checkTarget(op: string, t: Tensor): number {
  if (!t || typeof t !== 'object' || !('storage' in t)) throw new GpuUsageError(op, `tensor: expected a Tensor, got ${String(t)}`);
  t.assertLive(op);
  if (t.dtype !== 'f32') throw new GpuUsageError(op, `tensor dtype: expected f32, got ${t.dtype} ${fmtShape(t.shape)}`);
  return t.size;
}

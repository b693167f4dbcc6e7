/**
 * The autotuner: times every kernel choice of matmul (subgroup tile rows, plain-tile workgroup
 * size) and of the direct conv2d products (tile rows per pass) on given shapes, and stores the
 * winners in `gpu.tuning` (src/gpu/tuning.ts) keyed by adapter and shape bucket. Later products
 * of a similar shape use the winner; save `gpu.tuning.toJSON()` and pass it back to
 * `createGpu({ tuning })` (that is what `hsi tune` and `hsi detect --tuning` do).
 *
 * The built-in defaults are lavapipe's best (subgroup tiles of 64 rows); a real GPU with 32-lane
 * subgroups may well prefer plain tiles or other sizes, which is why the choice is measured.
 */
import { timeCandidates, winner, type Gpu } from '../gpu/index.ts';
import { noGrad } from '../autograd/tape.ts';
import { type Shape, type Tensor } from '../tensor/tensor.ts';
import { conv2d, conv2dInputGrad, conv2dWeightGrad, convGeometry, plain1x1, type Conv2dOptions } from './conv2d.ts';
import { DIRECT_CHOICES, directDefault, directKey, useDirect, withDirectChoice, type DirectPass } from './conv2d_direct.ts';
import { tensor } from './fill.ts';
import { matmul, matmulChoices, matmulDefault, matmulKey, withMatmulChoice } from './matmul.ts';

export interface MatmulShape {
  m: number;
  n: number;
  k: number;
}

export interface ConvShape {
  /** Input [N, C, H, W]. */
  input: Shape;
  /** Output channels and kernel size. */
  out: number;
  kernel: number;
  options?: Conv2dOptions;
}

export interface TuneOptions {
  /** Timed rounds per candidate (median kept; default 5). */
  rounds?: number;
  onProgress?: (done: number, total: number, key: string) => void;
}

export interface TuneResult {
  key: string;
  choice: string;
  /** What the op uses untuned. */
  fallback: string;
  ms: Record<string, number>;
}

/** Deterministic values in [−1, 1): the tuner times kernels, the data only has to be finite. */
function filled(gpu: Gpu, shape: Shape, seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((((i + seed) * 2654435761) >>> 0) % 2000) / 1000 - 1;
  return tensor(gpu, data, shape);
}

/** Times each candidate for `key` and stores the winner in gpu.tuning. */
async function measure(gpu: Gpu, key: string, names: string[], fallback: string, run: (name: string) => void, rounds: number): Promise<TuneResult> {
  const ms = await timeCandidates(names, (name) => noGrad(() => run(name)), () => gpu.sync(), rounds);
  const choice = winner(ms, fallback);
  gpu.tuning.set(key, { choice, ms });
  return { key, choice, fallback, ms };
}

/** Tunes matmul for each M × N × K (one entry per shape bucket). */
export async function tuneMatmul(gpu: Gpu, shapes: MatmulShape[], opts: TuneOptions = {}): Promise<TuneResult[]> {
  const out: TuneResult[] = [];
  const seen = new Set<string>();
  for (const [i, { m, n, k }] of shapes.entries()) {
    const key = matmulKey(m, n, k);
    opts.onProgress?.(i, shapes.length, key);
    if (seen.has(key)) continue;
    seen.add(key);
    const [a, b] = [filled(gpu, [m, k], 1), filled(gpu, [k, n], 2)];
    const run = (c: string): void => withMatmulChoice(gpu, c, () => matmul(a, b).dispose());
    out.push(await measure(gpu, key, matmulChoices(gpu), matmulDefault(gpu), run, opts.rounds ?? 5));
    a.dispose();
    b.dispose();
  }
  opts.onProgress?.(shapes.length, shapes.length, '');
  return out;
}

/** Reflect padding runs as a reflect pad, then the products on the padded input with none. */
function zeroPadded(s: ConvShape): [Shape, Conv2dOptions] {
  const co = s.options ?? {};
  if ((co.paddingMode ?? 'zeros') === 'zeros') return [s.input, co];
  const [ph, pw] = typeof co.padding === 'number' ? [co.padding, co.padding] : co.padding ?? [0, 0];
  const [n, c, h, w] = s.input;
  return [[n, c, h + 2 * ph, w + 2 * pw], { ...co, padding: 0, paddingMode: 'zeros' }];
}

/** Tunes the direct conv2d products (forward, dInput, dWeight) for each shape this device runs them on. */
export async function tuneConv2d(gpu: Gpu, shapes: ConvShape[], opts: TuneOptions = {}): Promise<TuneResult[]> {
  const out: TuneResult[] = [];
  const seen = new Set<string>();
  for (const [i, s] of shapes.entries()) {
    const [input, co] = zeroPadded(s);
    const wShape = [s.out, input[1], s.kernel, s.kernel];
    const geo = convGeometry('tune', input, wShape, null, co);
    opts.onProgress?.(i, shapes.length, `conv2d ${s.input.join('×')}→${s.out}`);
    if (!useDirect(gpu, geo)) continue;
    const x = filled(gpu, input, 1);
    const w = filled(gpu, wShape, 2);
    const dy = filled(gpu, [geo.n, geo.o, geo.ho, geo.wo], 3);
    const passes: Record<DirectPass, () => Tensor> = {
      forward: () => conv2d(x, w, null, co),
      dInput: () => conv2dInputGrad(dy, w, input, co),
      dWeight: () => conv2dWeightGrad(x, dy, wShape, co),
    };
    for (const [pass, run] of Object.entries(passes) as [DirectPass, () => Tensor][]) {
      // A plain 1×1 conv is a matmul in forward and dWeight: tune that through tuneMatmul.
      if (pass !== 'dInput' && plain1x1(geo, co.mask ?? null)) continue;
      const key = directKey(pass, geo);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(await measure(gpu, key, DIRECT_CHOICES, directDefault(pass), (c) => withDirectChoice(gpu, c, () => run().dispose()), opts.rounds ?? 5));
    }
    for (const t of [x, w, dy]) t.dispose();
  }
  opts.onProgress?.(shapes.length, shapes.length, '');
  return out;
}

/**
 * The 5-layer 3×3 conv training step of issue 7: 162 → 64 → 64 → 64 → 64 → 162 channels,
 * padding 1, bias, ReLU between layers, a 1×64×64×162 input reconstructed under MSE, one Adam
 * step (lr 1e-3). One iteration = forward + backward + Adam update + GPU sync.
 * Peers on the same weights: TF.js WebGPU on the same adapter and TF.js wasm (SIMD), NHWC.
 * TF.js wasm has no Conv2DBackpropFilter kernel, so its conv gradient is given by customGrad:
 * dInput through Conv2DBackpropInput, dWeight as the equivalent convolution of x (channels as
 * the batch) with dy as the filter (the same trick as bench/conv2d.bench.ts).
 * Validation: every implementation's first loss must match a float64 CPU forward pass, and its
 * loss after a few steps must be lower. Quick mode: a 32×32 input.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Adam, backward, conv2d, createGpu, mseLoss, parameter, relu, scope, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { emit, loadPeers, QUICK, selected, tf, tfBackend, time, values, type Timing } from './harness.ts';

const CHANNELS = [162, 64, 64, 64, 64, 162];
const S = QUICK ? 32 : 64;
const LR = 1e-3;
const NAME = `5-layer conv train step 1×${CHANNELS[0]}×${S}×${S}`;
/** forward 2·O·C·9·S² per layer, backward twice that (dInput, dWeight). */
const FLOPS = 3 * CHANNELS.slice(1).reduce((s, o, l) => s + 2 * o * CHANNELS[l] * 9 * S * S, 0);

interface Layer {
  w: Float32Array; // [O, C, 3, 3]
  b: Float32Array; // [O]
}

function layers(): Layer[] {
  return CHANNELS.slice(1).map((o, l) => {
    const c = CHANNELS[l];
    const bound = 1 / Math.sqrt(9 * c);
    return { w: values(o * c * 9, 10 + l).map((v) => v * bound), b: values(o, 20 + l).map((v) => v * bound) };
  });
}

/** Float64 forward pass (NCHW, same padding) and its MSE against the input. */
function refLoss(x: Float32Array, ls: Layer[]): number {
  let a = Float64Array.from(x);
  for (const [l, { w, b }] of ls.entries()) {
    const [c, o] = [CHANNELS[l], CHANNELS[l + 1]];
    const y = new Float64Array(o * S * S);
    for (let oc = 0; oc < o; oc++) {
      const out = y.subarray(oc * S * S, (oc + 1) * S * S).fill(b[oc]);
      for (let ic = 0; ic < c; ic++) {
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const wv = w[((oc * c + ic) * 3 + ky) * 3 + kx];
            for (let i = Math.max(0, 1 - ky); i < Math.min(S, S + 1 - ky); i++) {
              const src = (ic * S + i + ky - 1) * S + kx - 1;
              for (let j = Math.max(0, 1 - kx); j < Math.min(S, S + 1 - kx); j++) out[i * S + j] += wv * a[src + j];
            }
          }
        }
      }
    }
    if (l < ls.length - 1) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
    a = y;
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - x[i]) ** 2;
  return s / a.length;
}

function checkLosses(who: string, ref: number, first: number, later: number): void {
  if (!(Math.abs(first - ref) <= 1e-4 * (1 + ref))) throw new Error(`bench ${who} ${NAME}: first loss: expected ${ref}, got ${first}`);
  if (!(later < first)) throw new Error(`bench ${who} ${NAME}: loss after 3 Adam steps: expected below ${first}, got ${later}`);
}

async function engine(gpu: Gpu, x: Float32Array, ls: Layer[], ref: number): Promise<Timing> {
  const input = tensor(gpu, x, [1, CHANNELS[0], S, S]);
  const params = ls.flatMap(({ w, b }, l) => [
    parameter(tensor(gpu, w, [CHANNELS[l + 1], CHANNELS[l], 3, 3])), parameter(tensor(gpu, b, [CHANNELS[l + 1]])),
  ]);
  const opt = new Adam(params, { lr: LR });
  const step = (): Tensor => scope(() => {
    let a = input;
    for (let l = 0; l < ls.length; l++) {
      a = conv2d(a, params[2 * l], params[2 * l + 1], { padding: 1 });
      if (l < ls.length - 1) a = relu(a);
    }
    const loss = mseLoss(a, input);
    backward(loss);
    opt.step();
    opt.zeroGrad();
    return loss;
  });
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const loss = step();
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  checkLosses('hsi', ref, losses[0], losses[3]);
  const t = await time(async () => {
    step().dispose();
    await gpu.sync();
  });
  opt.dispose();
  for (const p of [input, ...params]) p.dispose();
  return t;
}

/** conv2d whose weight gradient avoids Conv2DBackpropFilter (absent from TF.js wasm). */
const wasmConv = tf.customGrad(((x: tf.Tensor, f: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, f]);
  return {
    value: tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
    gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => {
      const c = xs.shape[3]!;
      const dx = tf.conv2dTranspose(dy as tf.Tensor4D, fs as tf.Tensor4D, [1, S, S, c], 1, 'same');
      const dw = tf.transpose(tf.conv2d(tf.pad(tf.transpose(xs, [3, 1, 2, 0]), [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D,
        tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D;

async function tfjs(backend: 'webgpu' | 'wasm', x: Float32Array, ls: Layer[], ref: number): Promise<Timing> {
  const sync = await tfBackend(backend);
  const input = tf.tidy(() => tf.transpose(tf.tensor4d(x, [1, CHANNELS[0], S, S]), [0, 2, 3, 1])) as tf.Tensor4D;
  const vars = ls.flatMap(({ w, b }, l) => [
    tf.variable(tf.tidy(() => tf.transpose(tf.tensor4d(w, [CHANNELS[l + 1], CHANNELS[l], 3, 3]), [2, 3, 1, 0]))),
    tf.variable(tf.tensor1d(b)),
  ]);
  const conv = backend === 'wasm' ? wasmConv : (a: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(a, f, 1, 'same');
  const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const step = (): tf.Scalar => opt.minimize(() => {
    let a = input;
    for (let l = 0; l < ls.length; l++) {
      a = tf.add(conv(a, vars[2 * l] as tf.Tensor4D), vars[2 * l + 1]);
      if (l < ls.length - 1) a = tf.relu(a);
    }
    return tf.losses.meanSquaredError(input, a) as tf.Scalar;
  }, true, vars)!;
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const loss = step();
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  checkLosses(`tfjs-${backend}`, ref, losses[0], losses[3]);
  const t = await time(async () => {
    step().dispose();
    await sync();
  });
  opt.dispose();
  for (const v of [input, ...vars]) v.dispose();
  return t;
}

if (selected(NAME)) {
  const gpu = await createGpu();
  const peers = await loadPeers(gpu);
  const x = values(CHANNELS[0] * S * S, 1);
  const ls = layers();
  const ref = refLoss(x, ls);
  const hsi = await engine(gpu, x, ls, ref);
  const others: Record<string, Timing> = {};
  for (const p of peers) others[`tfjs ${p}`] = await tfjs(p, x, ls, ref);
  emit('train', NAME, hsi, others, { flops: FLOPS });
  gpu.destroy();
}
process.exit(0);

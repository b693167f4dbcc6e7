/**
 * SSCC training steps (src/models/sscc.ts, src/models/sscctrain.ts), K = 6 clusters, 8 input
 * channels. One iteration = both views [N, 8, P, P] through the twin ResNet (each view's own
 * BatchNorm batch statistics, train mode) → softmax rows → ssccLoss (5e-5 · NT-Xent τ 0.5 +
 * Barlow Twins λ 0.005 on BatchNorm1d(K, affine=False) of the rows) → backward → one Adam step
 * (the preset's lr, weight decay 5e-3 coupled as torch.optim.Adam: grad += wd·w) → GPU sync.
 *   fast preset: its network (widths 32/32, 1 block, hidden 64, 7×7 patches) and batch of 128
 *     per view; the step uses the code's two loss terms with the preset's instance weight (the
 *     preset's cluster-level term, K columns, is left out of both sides: negligible work)
 *   paper width: widths 32/64/128/256, 2 blocks, hidden 512, 11×11 patches (333 MMAC per patch).
 *     The preset's batch of 512 per view is ~341 GMAC forward, minutes per step on a CPU-class
 *     adapter, so the batch is 32 per view (2 in quick mode: TF.js WebGPU took ~12 s a step even
 *     at 2 on lavapipe); GFLOP/s makes it comparable.
 * GFLOP/s counts a step as 3× its forward multiply-adds (dx and dWeight; the losses are negligible).
 * Peers, in the same run: the same step written for TF.js 4.22 (NHWC) on its WebGPU backend (the
 * same adapter) and its wasm backend (SIMD, one thread), from the engine model's own initial
 * weights and the same two views. tf.train.adam has no weight decay: wd·w is added to the
 * gradients before applyGradients, so the step does the same work. TF.js does not track
 * BatchNorm running statistics (they change neither the loss nor the gradients). TF.js wasm has
 * no Conv2DBackpropFilter kernel: its conv gradient goes through customGrad (as train.bench.ts).
 * Validation before timing: each TF.js backend's NT-Xent and Barlow Twins terms at the initial
 * weights and its first step's loss within REL_TOL of the engine's, and every implementation's
 * losses over 3 steps finite. Warm-up excluded; medians of BENCH_RUNS runs.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Adam, backward, barlowTwins, createGpu, noGrad, ntXent, scope, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { Sscc, ssccLoss } from '../src/models/sscc.ts';
import { SSCC_PRESETS, type SsccPreset } from '../src/models/sscctrain.ts';
import { emit, loadPeers, QUICK, selected, tf, tfBackend, time, values, type Timing } from './harness.ts';

const K = 6;
/**
 * Engine vs TF.js, relative, on each loss term at the initial weights and on the first step's loss.
 * Both are f32 with different summation orders (conv reductions up to 9·256 terms, batch
 * statistics over up to 32·121); the measured gaps are ≤ 2e-6 (logged on stderr), while a
 * real difference is far larger (the unbiased variance alone moves Barlow Twins by ~N/(N−1)).
 * Terms are checked apart because NT-Xent is only ~5e-5 of the total (its weight is 5e-5).
 */
const REL_TOL = 1e-4;
const STEPS = 3;

interface Case {
  name: string;
  preset: SsccPreset;
  /** Patches per view. */
  batch: number;
}
type Settings = (typeof SSCC_PRESETS)[SsccPreset];
/** Initial parameters by the engine's state names (resnet.layer1.0.conv1.weight, …). */
type Weights = Map<string, { data: Float32Array; shape: readonly number[] }>;

const paperBatch = QUICK ? 2 : 32;
const cases: Case[] = [
  { name: `fast step 2×${SSCC_PRESETS.fast.batch}×8×${SSCC_PRESETS.fast.patch}×${SSCC_PRESETS.fast.patch}, K ${K}`, preset: 'fast', batch: SSCC_PRESETS.fast.batch },
  { name: `paper width step 2×${paperBatch}×8×11×11 (batch ${paperBatch} of 512), K ${K}`, preset: 'paper', batch: paperBatch },
];

/** Forward multiply-adds per patch: the 1×1 stem, each BasicBlock's 3×3 convs and 1×1 shortcut, the head. */
function macsPerPatch(s: Settings): number {
  const { widths, blocks, hidden, patch, components } = s;
  let perPixel = components * widths[0];
  for (let i = 1; i < widths.length; i++) {
    for (let b = 0; b < blocks; b++) {
      const cin = b === 0 ? widths[i - 1] : widths[i];
      perPixel += 9 * cin * widths[i] + 9 * widths[i] * widths[i] + (cin !== widths[i] ? cin * widths[i] : 0);
    }
  }
  return perPixel * patch * patch + widths[widths.length - 1] * hidden + hidden * K;
}

function checkClose(who: string, name: string, what: string, got: number, want: number): void {
  const gap = Math.abs(got - want) / Math.abs(want);
  console.error(`${who} ${name}: ${what} ${got}, hsi ${want}, relative gap ${gap.toExponential(2)}`);
  if (!(gap <= REL_TOL)) throw new Error(`bench ${who} ${name}: ${what}: expected ${want} (relative ${REL_TOL}), got ${got}`);
}

function checkFinite(who: string, name: string, losses: number[]): void {
  if (!losses.every(Number.isFinite)) throw new Error(`bench ${who} ${name}: losses: expected finite, got ${losses.join(', ')}`);
}

/** Times the engine's step; also returns [NT-Xent, Barlow Twins, first step loss] and the initial weights. */
async function engine(gpu: Gpu, c: Case, s: Settings, views: Float32Array[]): Promise<{ t: Timing; ref: number[]; weights: Weights }> {
  const model = new Sscc(gpu, { inChannels: s.components, clusters: K, widths: s.widths, blocks: s.blocks, hidden: s.hidden, seed: 1 });
  const weights: Weights = new Map();
  for (const [name, p] of model.namedParameters()) weights.set(name, { data: (await p.data()) as Float32Array, shape: p.shape });
  const shape = [c.batch, s.components, s.patch, s.patch];
  const [xi, xj] = views.map((v) => tensor(gpu, v, shape));
  // NT-Xent and Barlow Twins at the initial weights (a train-mode forward: batch statistics).
  const terms = await noGrad(() => scope(async () => {
    const [ci, cj] = [model.forward(xi), model.forward(xj)];
    return [(await ntXent(ci, cj, s.temperature).data())[0], (await barlowTwins(ci, cj, s.lambda).data())[0]];
  }));
  const opt = new Adam(model.parameters(), { lr: s.lr, betas: s.betas, weightDecay: s.weightDecay });
  const step = (): Tensor => scope(() => {
    const loss = ssccLoss(model.forward(xi), model.forward(xj), { tradeoff: s.tradeoff, temperature: s.temperature, lambda: s.lambda });
    backward(loss);
    opt.step();
    opt.zeroGrad();
    return loss;
  });
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const loss = step();
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  checkFinite('hsi', c.name, [...terms, ...losses]);
  const t = await time(async () => {
    step().dispose();
    await gpu.sync();
  });
  opt.dispose();
  model.dispose();
  for (const x of [xi, xj]) x.dispose();
  return { t, ref: [...terms, losses[0]], weights };
}

/** Stride-1 'same' conv whose weight gradient avoids Conv2DBackpropFilter (absent from TF.js wasm). */
const wasmConv = tf.customGrad(((x: tf.Tensor4D, f: tf.Tensor4D, save: tf.GradSaveFunc) => {
  save([x, f]);
  return {
    value: tf.conv2d(x, f, 1, 'same'),
    gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => {
      const p = (fs.shape[0]! - 1) / 2;
      const dx = tf.conv2dTranspose(dy as tf.Tensor4D, fs as tf.Tensor4D, xs.shape as [number, number, number, number], 1, 'same');
      // dWeight[kh, kw, c, o] = Σ_{n,h,w} x[n, h+kh−p, w+kw−p, c] dy[n, h, w, o]: a valid conv of the
      // padded input with channels as the batch and dy (batch as channels) as the filter.
      const dw = tf.transpose(tf.conv2d(tf.pad(tf.transpose(xs, [3, 1, 2, 0]), [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D,
        tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D;

/** The engine's weights as TF.js variables: conv OIHW → HWIO, Linear [out, in] → [in, out]. */
function tfVariables(weights: Weights): Map<string, tf.Variable> {
  const perm = (rank: number): number[] | null => (rank === 4 ? [2, 3, 1, 0] : rank === 2 ? [1, 0] : null);
  return new Map([...weights].map(([name, { data, shape }]) => {
    const p = perm(shape.length);
    return [name, tf.variable(tf.tidy(() => (p ? tf.transpose(tf.tensor(data, [...shape]), p) : tf.tensor(data, [...shape]))))];
  }));
}

type Conv = (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D;

/** BatchNorm2d in train mode on NHWC: batch statistics with the biased variance, eps 1e-5. */
function tfBatchNorm(v: Map<string, tf.Variable>, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), v.get(`${name}.weight`)!), v.get(`${name}.bias`)!);
}

/** The twin network of src/models/sscc.ts, from the state names: x [N, P, P, C] → softmax rows [N, K]. */
function tfForward(v: Map<string, tf.Variable>, conv: Conv, depth: number, blocks: number, x: tf.Tensor4D): tf.Tensor2D {
  const cbr = (cv: string, bn: string, a: tf.Tensor4D): tf.Tensor4D => tfBatchNorm(v, bn, conv(a, v.get(`${cv}.weight`) as tf.Tensor4D));
  let y = tf.relu(cbr('resnet.conv1', 'resnet.bn1', x));
  for (let l = 1; l <= depth; l++) {
    for (let b = 0; b < blocks; b++) {
      const at = `resnet.layer${l}.${b}`;
      const h = cbr(`${at}.conv2`, `${at}.bn2`, tf.relu(cbr(`${at}.conv1`, `${at}.bn1`, y)));
      y = tf.relu(tf.add(h, v.has(`${at}.downsample.0.weight`) ? cbr(`${at}.downsample.0`, `${at}.downsample.1`, y) : y)) as tf.Tensor4D;
    }
  }
  const linear = (i: number, a: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(a, v.get(`cluster_projector.${i}.weight`) as tf.Tensor2D), v.get(`cluster_projector.${i}.bias`)!);
  return tf.softmax(linear(2, tf.relu(linear(0, tf.mean(y, [1, 2])))));
}

/** Per-column z-score with the biased variance, eps 1e-5 (BatchNorm1d(K, affine=False), train mode). */
function zscore(c: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(c, 0);
  return tf.mul(tf.sub(c, mean), tf.rsqrt(tf.add(variance, 1e-5)));
}

/** [NT-Xent, Barlow Twins] from their definitions; `masks`: 1e9 on the diagonal of [2N, 2N], the positive pairs, I and W = I + λ(1 − I). */
function tfTerms(ci: tf.Tensor2D, cj: tf.Tensor2D, s: Settings, masks: tf.Tensor2D[]): tf.Scalar[] {
  const [self, pos, eye, w] = masks;
  const n = ci.shape[0];
  const z = tf.concat([ci, cj], 0);
  const zn = tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12));
  const sim = tf.sub(tf.div(tf.matMul(zn, tf.transpose(zn)), s.temperature), self);
  const ntXent = tf.div(tf.sum(tf.sub(tf.logSumExp(sim, 1), tf.sum(tf.mul(sim, pos), 1))), 2 * n);
  const corr = tf.div(tf.matMul(tf.transpose(zscore(ci)), zscore(cj)), n);
  return [ntXent as tf.Scalar, tf.sum(tf.mul(tf.square(tf.sub(corr, eye)), w))];
}

function lossMasks(n: number, lambda: number): tf.Tensor2D[] {
  const m = 2 * n;
  const self = new Float32Array(m * m);
  const pos = new Float32Array(m * m);
  for (let i = 0; i < m; i++) [self[i * m + i], pos[i * m + ((i + n) % m)]] = [1e9, 1];
  const eye = tf.eye(K);
  return [tf.tensor2d(self, [m, m]), tf.tensor2d(pos, [m, m]), eye, tf.tidy(() => tf.add(eye, tf.mul(tf.sub(1, eye), lambda))) as tf.Tensor2D];
}

async function tfjs(backend: 'webgpu' | 'wasm', c: Case, s: Settings, views: Float32Array[], weights: Weights, ref: number[]): Promise<Timing> {
  const sync = await tfBackend(backend);
  const who = `tfjs-${backend}`;
  const [xi, xj] = views.map((x) => tf.tidy(() => tf.transpose(tf.tensor4d(x, [c.batch, s.components, s.patch, s.patch]), [0, 2, 3, 1])) as tf.Tensor4D);
  const v = tfVariables(weights);
  const list = [...v.values()];
  const masks = lossMasks(c.batch, s.lambda);
  const conv: Conv = backend === 'wasm' ? wasmConv : (a, f) => tf.conv2d(a, f, 1, 'same');
  const opt = tf.train.adam(s.lr, s.betas[0], s.betas[1], 1e-8); // torch's eps (TF.js defaults to 1e-7)
  const fwd = (x: tf.Tensor4D): tf.Tensor2D => tfForward(v, conv, s.widths.length - 1, s.blocks, x);
  const step = (): tf.Scalar => {
    const { value, grads } = tf.variableGrads(() => {
      const [nt, barlow] = tfTerms(fwd(xi), fwd(xj), s, masks);
      return tf.add(tf.mul(nt, s.tradeoff), barlow) as tf.Scalar;
    }, list);
    // Coupled weight decay, as torch.optim.Adam(weight_decay): the gradient gets wd·w.
    const decayed = list.map((w) => ({ name: w.name, tensor: tf.tidy(() => tf.add(grads[w.name], tf.mul(w, s.weightDecay))) }));
    opt.applyGradients(decayed);
    tf.dispose([grads, ...decayed.map((d) => d.tensor)]);
    return value;
  };
  const terms = tf.tidy(() => tfTerms(fwd(xi), fwd(xj), s, masks));
  const losses = [...(await Promise.all(terms.map(async (t) => (await t.data())[0])))];
  tf.dispose(terms);
  for (let i = 0; i < STEPS; i++) {
    const loss = step();
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  checkFinite(who, c.name, losses);
  ['NT-Xent', 'Barlow Twins', 'first step loss'].forEach((what, i) => checkClose(who, c.name, what, losses[i], ref[i]));
  const t = await time(async () => {
    step().dispose();
    await sync();
  });
  opt.dispose();
  tf.dispose([xi, xj, ...list, ...masks]);
  return t;
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
for (const c of cases) {
  if (!selected(c.name)) continue;
  const s = SSCC_PRESETS[c.preset];
  const views = [1, 2].map((seed) => values(c.batch * s.components * s.patch * s.patch, seed));
  const { t, ref, weights } = await engine(gpu, c, s, views);
  const others: Record<string, Timing> = {};
  for (const p of peers) others[`tfjs ${p}`] = await tfjs(p, c, s, views, weights, ref);
  emit('sscc', c.name, t, others, { flops: 3 * 2 * macsPerPatch(s) * 2 * c.batch });
}
gpu.destroy();
process.exit(0);

/**
 * Training SSCC (docs/sscc.md#training) on the shared loop: two augmented views of each patch
 * through one network, loss = 5e-5 · NT-Xent(τ 0.5) + Barlow-Twins cross-correlation (λ 0.005)
 * on the softmax cluster rows, Adam(2e-4, weight decay 5e-3), StepLR(20, 0.1) per epoch, batches
 * of 512 with the last partial batch dropped; then every pixel assigned by the argmax of its
 * un-augmented patch in eval mode (BatchNorm's running statistics).
 *
 * Presets: `paper` is the code's network and schedule (200 epochs; each step ~340 GMAC forward:
 * hours per epoch on a CPU-class adapter). `fast` (the default) is a narrower, shallower network
 * with a sharper loss for CPU-class adapters, chosen by measured ACC and time (docs/sscc.md#presets).
 * `trainOn: 'labelled'` reproduces the paper's protocol (training on the labelled pixels, which
 * uses the ground truth to choose the data); the default trains on pixels of the whole scene.
 */
import type { Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { noGrad } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { tensor } from '../ops/fill.ts';
import { argmax } from '../ops/reduce.ts';
import { Adam } from '../nn/optim.ts';
import { StepLR } from '../nn/schedule.ts';
import { trainLoop, type TrainProgress } from '../nn/train.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { Sscc, ssccLoss } from './sscc.ts';
import { checkOptions, type ModelEntry } from './registry.ts';
import { epochBatches, ssccData, ssccViews, standardPatches, type SsccData } from './ssccdata.ts';

export type SsccPreset = 'fast' | 'paper';

export interface SsccSettings {
  preset: SsccPreset;
  /** Clusters K (required: the CLI counts the ground truth's classes). */
  k: number;
  epochs: number;
  batch: number;
  lr: number;
  betas: [number, number];
  weightDecay: number;
  /** StepLR per epoch. */
  stepSize: number;
  gamma: number;
  components: number;
  patch: number;
  widths: number[];
  blocks: number;
  hidden: number;
  tradeoff: number;
  temperature: number;
  lambda: number;
  clusterWeight: number;
  /** Area range of the random resized crop (the code: torchvision's default, 0.08 to 1). */
  cropScale: [number, number];
  trainOn: 'all' | 'labelled';
  /** Training pixels at most (a seeded sample of them); 0: every one. */
  maxPixels: number;
  seed: number;
}

const COMMON = { lr: 2e-4, betas: [0.9, 0.999] as [number, number], weightDecay: 5e-3, gamma: 0.1, components: 8, patch: 11, tradeoff: 5e-5, temperature: 0.5, lambda: 0.005, clusterWeight: 0, cropScale: [0.08, 1] as [number, number], trainOn: 'all' as const, maxPixels: 0 };
export const SSCC_PRESETS: Record<SsccPreset, Omit<SsccSettings, 'k' | 'seed'>> = {
  paper: { ...COMMON, preset: 'paper', epochs: 200, batch: 512, stepSize: 20, widths: [32, 64, 128, 256], blocks: 2, hidden: 512 },
  // Chosen on SalinasA, confirmed on the Indian Pines subset (docs/sscc.md#presets): a shallow, wider
  // network (a lavapipe step costs per layer more than per channel), the cluster-level loss and a
  // weighted instance loss to sharpen the softmax rows, and 18 epochs of at most 16,384 pixels.
  fast: {
    ...COMMON, preset: 'fast', epochs: 18, batch: 128, stepSize: 14, lr: 1e-3, patch: 7, widths: [32, 32], blocks: 1, hidden: 64,
    tradeoff: 1, clusterWeight: 1, maxPixels: 16384,
  },
};

export interface SsccTrainOptions extends Partial<Omit<SsccSettings, 'preset'>> {
  preset?: SsccPreset;
  /** The ground truth: needed only for trainOn 'labelled' (the paper's protocol). */
  gt?: LabelMap;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  progressMs?: number;
}

/** The preset's settings with the options' overrides, checked (k is required). */
export function ssccSettings(opts: SsccTrainOptions = {}, needK = true): SsccSettings {
  const op = 'trainSscc';
  const preset = opts.preset ?? 'fast';
  if (!(preset in SSCC_PRESETS)) throw new OptionError(op, `preset: expected 'fast' or 'paper', got ${String(preset)}`);
  const s = { ...SSCC_PRESETS[preset], k: 0, seed: 1 } as SsccSettings;
  for (const [key, v] of Object.entries(opts)) if (v !== undefined && key in s && key !== 'preset') (s as unknown as Record<string, unknown>)[key] = v;
  if (needK && (!Number.isInteger(s.k) || s.k < 2)) throw new OptionError(op, `k: expected the number of clusters (an integer ≥ 2), got ${opts.k ?? 'none'}`);
  for (const name of ['epochs', 'batch', 'stepSize', 'components', 'blocks', 'hidden'] as const) {
    if (!Number.isInteger(s[name]) || s[name] < 1) throw new OptionError(op, `${name}: expected a positive integer, got ${s[name]}`);
  }
  if (!Number.isInteger(s.maxPixels) || s.maxPixels < 0) throw new OptionError(op, `maxPixels: expected a non-negative integer (0: every pixel), got ${s.maxPixels}`);
  if (s.batch < 2) throw new OptionError(op, `batch: expected at least 2 (the losses contrast a batch), got ${s.batch}`);
  if (!Number.isInteger(s.patch) || s.patch < 1 || s.patch % 2 === 0) throw new OptionError(op, `patch: expected an odd positive integer, got ${s.patch}`);
  if (s.trainOn !== 'all' && s.trainOn !== 'labelled') throw new OptionError(op, `trainOn: expected 'all' or 'labelled', got ${String(s.trainOn)}`);
  return s;
}

export interface SsccResult {
  model: Sscc;
  data: SsccData;
  losses: number[];
  seconds: number;
  settings: SsccSettings;
  aborted: boolean;
}

/** Trains SSCC on `cube` (deterministic for a seed on one adapter); assign with ssccAssign. */
export async function trainSscc(gpu: Gpu, cube: Cube, opts: SsccTrainOptions = {}): Promise<SsccResult> {
  const s = ssccSettings(opts);
  const data = await ssccData(cube, { components: s.components, patch: s.patch, trainOn: s.trainOn, gt: opts.gt, maxPixels: s.maxPixels, seed: s.seed });
  const perEpoch = Math.floor(data.centres.length / s.batch);
  if (perEpoch < 1) throw new OptionError('trainSscc', `batch: expected at most the ${data.centres.length} training pixels, got ${s.batch}`);
  const model = new Sscc(gpu, { inChannels: data.components.bands, clusters: s.k, widths: s.widths, blocks: s.blocks, hidden: s.hidden, seed: s.seed });
  const opt = new Adam(model.parameters(), { lr: s.lr, betas: s.betas, weightDecay: s.weightDecay });
  const shape = [s.batch, data.components.bands, s.patch, s.patch];
  let order: Int32Array[] = [];
  try {
    const r = await trainLoop('trainSscc', {
      model, optimizer: opt, steps: s.epochs * perEpoch, signal: opts.signal, onProgress: opts.onProgress, progressMs: opts.progressMs,
      scheduler: new StepLR(opt, { stepSize: s.stepSize, gamma: s.gamma }), schedulerEvery: perEpoch,
      batch: async (i) => {
        const epoch = Math.floor(i / perEpoch);
        if (i % perEpoch === 0) order = epochBatches(data.centres, s.batch, epoch, s.seed);
        // A new augmentation seed per epoch: new views of every patch.
        const v = await ssccViews(data, order[i % perEpoch], (s.seed * 1000003 + epoch) >>> 0, s.cropScale);
        return { xi: tensor(gpu, v.first, shape), xj: tensor(gpu, v.second, shape) };
      },
      loss: (b) => ({ loss: ssccLoss(model.forward(b.xi), model.forward(b.xj), { tradeoff: s.tradeoff, temperature: s.temperature, lambda: s.lambda, clusterWeight: s.clusterWeight }) }),
    });
    return { model, data, losses: r.losses, seconds: r.seconds, settings: s, aborted: r.aborted };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
}

export interface AssignOptions {
  /** Pixels per forward pass (default 1024). */
  batch?: number;
  /** Stops between batches: the result is then null. */
  signal?: AbortSignal;
  /** Called after each batch with the pixels assigned so far (a large scene takes minutes). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The cluster of every pixel (row-major), by the argmax of its un-augmented patch, eval mode, in
 * batches; null when the signal stopped it.
 */
export async function ssccAssign(gpu: Gpu, r: Pick<SsccResult, 'model' | 'data'>, opts: AssignOptions = {}): Promise<Int32Array | null> {
  const { batch = 1024, signal, onProgress } = opts;
  if (!Number.isInteger(batch) || batch < 1) throw new OptionError('ssccAssign', `batch: expected a positive integer, got ${batch}`);
  const { rows, cols, bands } = r.data.components;
  const n = rows * cols;
  const out = new Int32Array(n);
  r.model.eval();
  for (let start = 0; start < n; start += batch) {
    if (signal?.aborted) return null;
    const centres = Int32Array.from({ length: Math.min(batch, n - start) }, (_, i) => start + i);
    const x = await standardPatches(r.data, centres);
    const labels = await noGrad(() => scope(async () => (await argmax(r.model.forward(tensor(gpu, x, [centres.length, bands, r.data.patch, r.data.patch])), 1).data()) as Int32Array));
    out.set(labels, start);
    onProgress?.(start + centres.length, n);
  }
  return out;
}

/** SSCC in the model registry (models/index.ts). */
export const ssccModel: ModelEntry<'cluster'> = {
  name: 'sscc',
  task: 'cluster',
  summary: 'SSCC (Cai et al., 2021): spectral-spatial contrastive clustering with a twin ResNet and a softmax cluster head',
  options: {
    preset: { type: 'choice', choices: ['fast', 'paper'], default: 'fast', help: 'the settings a run starts from (below); the other options override them' },
    k: { type: 'int', min: 2, max: 1000, defaultText: 'the number of ground-truth classes (required without one)', help: 'clusters' },
    epochs: { type: 'int', min: 1, max: 10000, defaultText: "the preset's", help: 'passes over the training pixels' },
    trainOn: { type: 'choice', choices: ['all', 'labelled'], default: 'all', help: "all: pixels of the whole scene; labelled: the paper's protocol (the ground truth picks the training pixels)" },
    seed: { type: 'int', min: 0, max: 2 ** 31 - 1, default: 1, help: 'seed of weights, batches and augmentations' },
  },
  presets: {
    fast: `${SSCC_PRESETS.fast.patch}×${SSCC_PRESETS.fast.patch} patches, widths ${SSCC_PRESETS.fast.widths.join('/')}, ${SSCC_PRESETS.fast.blocks} block, ${SSCC_PRESETS.fast.epochs} epochs of ${SSCC_PRESETS.fast.batch} on at most ${SSCC_PRESETS.fast.maxPixels} pixels, Adam(1e-3), StepLR(${SSCC_PRESETS.fast.stepSize}, 0.1), the code's loss with the instance term at weight 1 plus the cluster-level loss`,
    paper: `the code's network (widths 32/64/128/256, 2 blocks per layer), ${SSCC_PRESETS.paper.epochs} epochs of ${SSCC_PRESETS.paper.batch}, Adam(2e-4, wd 5e-3), StepLR(20, 0.1)`,
  },
  settings: (o) => ({ ...ssccSettings(checkOptions(ssccModel, o) as SsccTrainOptions, false) }),
  async run(gpu, cube, o, ctx = {}) {
    const r = await trainSscc(gpu, cube, { ...(checkOptions(ssccModel, o) as SsccTrainOptions), gt: ctx.gt, signal: ctx.signal, onProgress: ctx.onProgress, progressMs: ctx.progressMs });
    try {
      const settings = { ...r.settings, trainPixels: r.data.centres.length, finalLoss: r.losses.at(-1) };
      if (r.aborted) return { labels: new Int32Array(0), settings, trainSeconds: r.seconds, aborted: { step: r.losses.length, steps: r.settings.epochs * Math.floor(r.data.centres.length / r.settings.batch) } };
      const labels = await ssccAssign(gpu, r, { signal: ctx.signal, onProgress: ctx.onPass && ((done, total) => ctx.onPass!({ pass: 'assign', unit: 'pixel', done, total })) });
      if (!labels) return { labels: new Int32Array(0), settings, trainSeconds: r.seconds, aborted: { step: r.losses.length, steps: r.losses.length } };
      return { labels, settings, trainSeconds: r.seconds };
    } finally {
      r.model.dispose();
    }
  },
};

/**
 * Training BS3LNet (docs/bs3lnet.md#training): masked L1 loss, L1(out·(1 − mask), label·(1 − mask)) with
 * the mean over ALL elements (the code's), Adam(lr 1e-4, betas (0.5, 0.999), weight decay 1e-5),
 * BatchNorm in training mode, then whole-image scoring in eval mode (bs3lnet.ts).
 *
 * Presets:
 * - `paper`: the code's schedule: one 19×19 patch per pixel, batches of 100 (shuffled each
 *   epoch, last partial batch kept), 37 static N2V positions, raw data, 1000 epochs (a 100×100
 *   scene is 100 steps of 36,100 pixels per epoch: far out of reach on a CPU-class adapter, so
 *   pass `epochs` or `steps` for a short run).
 * - `fast` (default): 100 whole-image steps, lr 1e-3 (10× the paper's; the other Adam settings as
 *   the paper), each band standardised (zero mean, unit variance; scores are in those units).
 *   Its default network is the true blind-spot one (`blindspot: 'conv'`) on 2×2 pixel-shuffled
 *   sub-images (pd.ts): a one-pixel blind spot lets an object two or three pixels wide be
 *   predicted from itself. With it the lr follows a cosine from 1e-3 to 0; from step 20 the 2 %
 *   of pixels reconstructed worst so far are left out of the loss (bs3mine.ts, after Super-AD's
 *   background mining: anomalies should not be learnt); and the score is the mean absolute error
 *   over bands, the error the L1 loss trains, not the paper's squared L2. With
 *   `blindspot: 'mask'` each step draws a fresh N2V mask (10 % of the pixels, bs3mask.ts: 1,000
 *   masked pixels of a 100×100 scene per step against the paper's 37 per patch) with a constant
 *   lr, no mining, no PD and the L2 score. Each choice was measured (AUC and time, seed 1; the
 *   docs/bs3lnet.md#results has the numbers). Scenes over 128×128 pixels train on a random crop per step.
 * With `blindspot: 'conv'` nothing is masked: the network cannot see the centre, so the loss is
 * the plain L1 over every element.
 *
 * Reference-code bugs fixed: get_mirror_hsi swapped height and width, so non-square scenes
 * crashed (here padding and patches use rows and cols as they are); the scene's scores are
 * written row-major (the code flattens in Fortran order for roc_auc_score, which does not change
 * the AUC).
 */
import type { Gpu } from '../gpu/index.ts';
import { noGrad } from '../autograd/tape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { OptionError } from '../errors.ts';
import { mul, sub } from '../ops/binary.ts';
import { mean } from '../ops/reduce.ts';
import { abs } from '../ops/unary.ts';
import { l1Loss } from '../ops/loss.ts';
import { Adam } from '../nn/optim.ts';
import { CosineAnnealingLR } from '../nn/schedule.ts';
import { trainLoop, type TrainProgress } from '../nn/train.ts';
import type { Cube } from '../data/cube.ts';
import { Bs3lnet, bs3lnetScores, type BlindSpot, type ScoreNorm, type ScoreOptions } from './bs3lnet.ts';
import { imageSource, patchSource, scaleForTraining, type Scaling, type StepBatch } from './bs3mask.ts';
import { ErrorMap, type StepWindow } from './bs3mine.ts';

export { cropShape, MAX_STEP_PIXELS } from './bs3mask.ts';
import { checkOptions, type ModelEntry, type OptionSpec } from './registry.ts';

export type Preset = 'fast' | 'paper';

/** Every training setting; a preset fills them, options override. */
export interface Bs3Settings {
  preset: Preset;
  blindspot: BlindSpot;
  /** 'patch': the code's 19×19 patches; 'image': whole-image steps. */
  mode: 'patch' | 'image';
  /** Epochs (patch mode: passes over every pixel; image mode: one step each). */
  epochs: number;
  /** Optional cap on the optimizer steps (a short paper run). */
  steps: number | null;
  lr: number;
  /** 'constant', or 'cosine': lr · (1 + cos(π·step/steps)) / 2, from lr towards 0. */
  schedule: 'constant' | 'cosine';
  betas: [number, number];
  weightDecay: number;
  scaling: Scaling;
  patch: number;
  batch: number;
  /** Fraction of positions left unmasked (code: 0.9 → 37 of 361). */
  ratio: number;
  window: number;
  /** Pixel-shuffle down-sampling factor (pd.ts; 1: none; image mode only). */
  pd: number;
  /**
   * Background pixel mining (after Super-AD's OBPM): from step `mineFrom` on, the fraction `mine`
   * of pixels with the largest error at the previous step is left out of the loss, so likely
   * anomalies do not teach the network to reconstruct them (0: off; image mode with 'conv').
   */
  mine: number;
  mineFrom: number;
  /** The score's norm over bands (bs3lnet.ts): 'l2' the paper's, 'l1' the trained error. */
  score: ScoreNorm;
  seed: number;
}

export const BS3_PRESETS: Record<Preset, Omit<Bs3Settings, 'blindspot' | 'seed' | 'steps'>> = {
  paper: { preset: 'paper', mode: 'patch', epochs: 1000, lr: 1e-4, schedule: 'constant', betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'none', patch: 19, batch: 100, ratio: 0.9, window: 5, pd: 1, mine: 0, mineFrom: 0, score: 'l2' },
  fast: { preset: 'fast', mode: 'image', epochs: 100, lr: 1e-3, schedule: 'cosine', betas: [0.5, 0.999], weightDecay: 1e-5, scaling: 'band', patch: 0, batch: 1, ratio: 0.9, window: 5, pd: 2, mine: 0.02, mineFrom: 20, score: 'l1' },
};

export interface Bs3TrainOptions extends Partial<Omit<Bs3Settings, 'preset'>> {
  preset?: Preset;
  onProgress?: (p: TrainProgress) => void;
  /** Report progress at most this often (ms; default 0: every step). */
  progressMs?: number;
  /** Awaited after each step (e.g. to score snapshots of the model while it trains). */
  afterStep?: (step: number, model: Bs3lnet) => Promise<void>;
  signal?: AbortSignal;
}

export interface Bs3Result {
  model: Bs3lnet;
  /** Loss after each step. */
  losses: number[];
  /** Training wall time (scoring excluded). */
  seconds: number;
  settings: Bs3Settings;
  /** The cube as the model sees it (scaled per `settings.scaling`): score this one. */
  input: Cube;
  /** True when the signal stopped training early. */
  aborted: boolean;
}

/** The preset's settings with the options' overrides. */
export function bs3Settings(opts: Bs3TrainOptions = {}): Bs3Settings {
  const preset = opts.preset ?? 'fast';
  if (!(preset in BS3_PRESETS)) throw new OptionError('trainBs3lnet', `preset: expected 'fast' or 'paper', got ${String(preset)}`);
  // The paper preset is the code's network (N2V masking); the fast preset the true blind spot.
  const s: Bs3Settings = { ...BS3_PRESETS[preset], blindspot: preset === 'paper' ? 'mask' : 'conv', seed: 1, steps: null };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && k in s && k !== 'preset') (s as unknown as Record<string, unknown>)[k] = v;
  // The fast preset's PD factor, schedule, mining and score were measured with the blind-spot
  // network; N2V masking keeps what was measured there: PD 1 (PD lost: abu-beach-2 0.9042 →
  // 0.8856), a constant lr, no mining (its loss sees only the masked pixels) and the L2 score.
  if (preset === 'fast' && s.blindspot === 'mask') {
    if (opts.pd === undefined) s.pd = 1;
    if (opts.schedule === undefined) s.schedule = 'constant';
    if (opts.mine === undefined) s.mine = 0;
    if (opts.score === undefined) s.score = 'l2';
  }
  if (!Number.isInteger(s.epochs) || s.epochs < 1) throw new OptionError('trainBs3lnet', `epochs: expected a positive integer, got ${s.epochs}`);
  if (!Number.isInteger(s.pd) || s.pd < 1 || (s.pd > 1 && s.mode !== 'image')) throw new OptionError('trainBs3lnet', `pd: expected a positive integer (above 1 with whole-image steps only), got ${s.pd} with ${s.mode} steps`);
  if (s.schedule !== 'constant' && s.schedule !== 'cosine') throw new OptionError('trainBs3lnet', `schedule: expected 'constant' or 'cosine', got ${String(s.schedule)}`);
  if (!(s.mine >= 0 && s.mine < 0.5)) throw new OptionError('trainBs3lnet', `mine: expected a fraction in [0, 0.5), got ${s.mine}`);
  if (s.mine > 0 && (s.mode !== 'image' || s.blindspot !== 'conv')) throw new OptionError('trainBs3lnet', `mine: expected 0 (off) unless whole-image steps train the 'conv' blind-spot network, got ${s.mine} with ${s.mode} steps and '${s.blindspot}'`);
  if (s.score !== 'l2' && s.score !== 'l1') throw new OptionError('trainBs3lnet', `score: expected 'l2' or 'l1', got ${String(s.score)}`);
  if (!Number.isInteger(s.mineFrom) || s.mineFrom < 0) throw new OptionError('trainBs3lnet', `mineFrom: expected a step number ≥ 0, got ${s.mineFrom}`);
  if (s.steps !== null && (!Number.isInteger(s.steps) || s.steps < 1)) throw new OptionError('trainBs3lnet', `steps: expected a positive integer, got ${s.steps}`);
  return s;
}

/** The masked (or plain) L1 loss, mean over all elements. */
function maskedL1(out: Tensor, label: Tensor, weight: Tensor | null): Tensor {
  return weight ? l1Loss(mul(out, weight), mul(label, weight)) : l1Loss(out, label);
}

/**
 * Trains BS3LNet on `cube` through the shared loop (nn/train.ts; deterministic for a seed on one
 * adapter). Stops cleanly between steps when `signal` aborts (the model is left as trained so
 * far); a non-finite loss throws TrainingDivergedError. Score with `bs3ResultScores(gpu, result)`.
 */
export async function trainBs3lnet(gpu: Gpu, cube: Cube, opts: Bs3TrainOptions = {}): Promise<Bs3Result> {
  const settings = bs3Settings(opts);
  const input = await scaleForTraining(cube, settings.scaling);
  const model = new Bs3lnet(gpu, { bands: cube.bands, blindspot: settings.blindspot, seed: settings.seed, pd: settings.pd });
  const opt = new Adam(model.parameters(), { lr: settings.lr, betas: settings.betas, weightDecay: settings.weightDecay });
  const src = settings.mode === 'image' ? imageSource(gpu, input, settings) : patchSource(gpu, input, settings);
  const steps = Math.min(src.total, settings.steps ?? Infinity);
  const errors = settings.mine > 0 ? new ErrorMap(cube.rows, cube.cols) : null;
  let at: StepWindow | undefined;
  try {
    const r = await trainLoop<StepBatch>('trainBs3lnet', {
      model, optimizer: opt, steps, signal: opts.signal, onProgress: opts.onProgress, progressMs: opts.progressMs,
      scheduler: settings.schedule === 'cosine' ? new CosineAnnealingLR(opt, { tMax: steps }) : null,
      batch: async (i) => {
        const b = await src.next(i);
        at = errors !== null ? b.at : undefined;
        return at && i >= settings.mineFrom ? { ...b, weight: errors!.weights(gpu, at, settings.mine) } : b;
      },
      loss: (b) => {
        const out = model.forward(b.input);
        const loss = maskedL1(out, b.label, b.weight);
        // The mined map wants each pixel's mean |x − x̂| over bands, as this step saw it.
        const err = at ? noGrad(() => mean(abs(sub(out, b.label)), [1], true)) : null;
        return { loss, outputs: { err } };
      },
      after: async (i, { err }) => {
        if (err) errors!.record((await err.data()) as Float32Array, at!);
        await opts.afterStep?.(i + 1, model);
      },
    });
    return { model, losses: r.losses, seconds: r.seconds, settings, input, aborted: r.aborted };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    src.dispose();
    opt.dispose();
  }
}

/** Scores of a trained result on its own input, with its settings' norm (what `hsi detect` writes). */
export function bs3ResultScores(gpu: Gpu, r: Pick<Bs3Result, 'model' | 'input' | 'settings'>, opts: Omit<ScoreOptions, 'norm'> = {}): Promise<Float32Array> {
  return bs3lnetScores(gpu, r.model, r.input, { ...opts, norm: r.settings.score });
}

const BS3_OPTIONS: Record<string, OptionSpec> = {
  preset: { type: 'choice', choices: ['fast', 'paper'], default: 'fast', help: 'the settings a run starts from (below); the other options override them' },
  blindspot: { type: 'choice', choices: ['mask', 'conv'], defaultText: 'conv with fast, mask with paper', help: "conv: a true blind-spot network (centre-masked conv, dilated layers); mask: the paper code's network with Noise2Void input masking" },
  epochs: { type: 'int', min: 1, max: 1e6, defaultText: "the preset's", help: 'epochs (whole-image presets: one step each)' },
  steps: { type: 'int', min: 1, max: 1e9, defaultText: 'all', help: 'a cap on the optimizer steps (a short paper run)' },
  pd: { type: 'int', min: 1, max: 8, defaultText: "the preset's (2 fast with conv, else 1)", help: 'pixel-shuffle factor (1: off)' },
  score: { type: 'choice', choices: ['l1', 'l2'], defaultText: "l1 fast with conv, else l2", help: "l2: the paper's mean (x − x̂)², l1: the mean |x − x̂| the loss trains" },
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, default: 1, help: 'seed of weights and batches: a seed gives the same scores on one adapter' },
};

/** BS3LNet in the model registry (models/index.ts): train on the scene, score it. */
export const bs3lnetModel: ModelEntry<'detect'> = {
  name: 'bs3lnet',
  task: 'detect',
  summary: 'BS3LNet (Gao et al., TGRS 2023), a blind-spot network trained on the scene itself',
  options: BS3_OPTIONS,
  presets: {
    fast: `${BS3_PRESETS.fast.epochs} whole-image steps, cosine lr, the ${BS3_PRESETS.fast.mine * 100} % worst-reconstructed pixels left out of the loss from step ${BS3_PRESETS.fast.mineFrom}, L1 score`,
    paper: "the paper code's network, 19×19 patches in batches of 100, constant lr, L2 score",
  },
  settings: (o) => ({ ...bs3Settings(checkOptions(bs3lnetModel, o) as Bs3TrainOptions) }),
  async run(gpu, cube, o, ctx = {}) {
    let planned = 0;
    const onProgress = (p: TrainProgress): void => {
      planned = p.steps;
      ctx.onProgress?.(p);
    };
    const r = await trainBs3lnet(gpu, cube, { ...(checkOptions(bs3lnetModel, o) as Bs3TrainOptions), signal: ctx.signal, onProgress, progressMs: ctx.progressMs });
    try {
      if (r.aborted) return { scores: new Float32Array(0), settings: { ...r.settings }, trainSeconds: r.seconds, aborted: { step: r.losses.length, steps: planned } };
      const scores = await bs3ResultScores(gpu, r);
      return { scores, settings: { ...r.settings, steps: r.losses.length, finalLoss: r.losses.at(-1) }, trainSeconds: r.seconds };
    } finally {
      r.model.dispose();
    }
  },
};

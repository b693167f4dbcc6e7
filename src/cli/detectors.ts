/**
 * The detectors behind `hsi detect` and `hsi demo`: each turns a cube into per-pixel scores and
 * the settings that reproduce them. BS3LNet trains on the spot, drawing progress on stderr.
 */
import type { Gpu } from '../index.ts';
import type { Cube } from '../data/cube.ts';
import { globalRx } from '../models/rx.ts';
import { localRx, LRX_DEFAULTS } from '../models/lrx.ts';
import { bs3ResultScores, bs3Settings, trainBs3lnet, type Preset } from '../models/bs3train.ts';
import type { BlindSpot, ScoreNorm } from '../models/bs3lnet.ts';
import { progress } from './progress.ts';

export const MODELS = ['bs3lnet', 'rx', 'lrx'] as const;
export type Model = (typeof MODELS)[number];
/** What `hsi detect` runs without --model, and what `hsi demo` shows. */
export const DEFAULT_MODEL: Model = 'bs3lnet';

export interface DetectorOptions {
  seed: number;
  /** Default: the preset's ('conv' for fast, 'mask' for paper). */
  blindspot?: BlindSpot;
  preset: Preset;
  /** Overrides the preset's epochs. */
  epochs?: number;
  /** Overrides the preset's pixel-shuffle factor. */
  pd?: number;
  /** Overrides the preset's score norm ('l1' fast with conv, 'l2' otherwise). */
  score?: ScoreNorm;
  signal?: AbortSignal;
  /** Draw training progress (stderr). */
  quiet?: boolean;
}

export interface Detection {
  scores: Float32Array;
  settings: Record<string, unknown>;
  /** Seconds spent training (learned models). */
  trainSeconds?: number;
  /** Ctrl-C stopped training: scores are empty and nothing should be written. */
  aborted?: { step: number; steps: number };
}

export async function runDetector(gpu: Gpu, model: Model, cube: Cube, o: DetectorOptions): Promise<Detection> {
  if (model === 'rx') return { scores: await globalRx(gpu, cube), settings: { inverse: 'pseudo-inverse (float64 eigendecomposition)' } };
  if (model === 'lrx') return { scores: await localRx(gpu, cube), settings: { ...LRX_DEFAULTS } };
  return runBs3lnet(gpu, cube, o);
}

async function runBs3lnet(gpu: Gpu, cube: Cube, o: DetectorOptions): Promise<Detection> {
  const settings = bs3Settings({ preset: o.preset, blindspot: o.blindspot, seed: o.seed, epochs: o.epochs, pd: o.pd, score: o.score });
  let bar: ReturnType<typeof progress> | undefined;
  let last = { step: 0, steps: 0 };
  const start = performance.now();
  const r = await trainBs3lnet(gpu, cube, {
    ...settings,
    signal: o.signal,
    onProgress: (p) => {
      last = p;
      if (o.quiet) return;
      bar ??= progress({ unit: 'step', total: p.steps, start });
      bar.update({ done: p.step, loss: p.loss });
    },
  }).finally(() => bar?.stop());
  try {
    if (r.aborted) return { scores: new Float32Array(0), settings: { ...r.settings }, trainSeconds: r.seconds, aborted: last };
    const scores = await bs3ResultScores(gpu, r);
    return { scores, settings: { ...r.settings, steps: r.losses.length, finalLoss: r.losses.at(-1) }, trainSeconds: r.seconds };
  } finally {
    r.model.dispose();
  }
}

/** `hsi detect <file>`: an anomaly map, AUCs and pictures from a classical or learned detector. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGpu, describeGpu, type Gpu, type TuningTable } from '../index.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { LRX_DEFAULTS } from '../models/lrx.ts';
import { BS3_PRESETS } from '../models/bs3train.ts';
import { choice, interruptible, intOption, sceneStem, UsageError, writeAtomic, type Command } from './common.ts';
import { loadScene, SCENE_FORMATS } from './scene.ts';
import { scoreResult, writeOutputs } from './outputs.ts';
import { DEFAULT_MODEL, MODELS, runDetector, type DetectorOptions, type Model } from './detectors.ts';

const usage = `usage: hsi detect <file> [--model bs3lnet|rx|lrx] [--blindspot mask|conv] [--preset fast|paper]
                  [--epochs N] [--pd F] [--score l1|l2] [--seed S] [--data VAR] [--map VAR]
                  [--non-finite error|zero|band-mean] [--tuning FILE] [--out DIR] [--json]

Scores every pixel of a scene for anomalies and writes to --out (default
./hsi-out/<scene>-<model>/): scores.npy and scores.mat, scores.png (heat map, ground-truth
contour when the file has a map), scene.png (false colour), roc.csv and the AUCs when a map
exists, and summary.json (written last). With --json the last line of stdout is the summary.
  bs3lnet  BS3LNet (Gao et al., TGRS 2023) trained on the scene itself (default)
           --blindspot conv: a true blind-spot network (centre-masked conv, dilated layers) on
             2×2 pixel-shuffled sub-images with the fast preset (default)
           --blindspot mask: the paper code's network with Noise2Void input masking (default
             with --preset paper)
           --preset fast: ${BS3_PRESETS.fast.epochs} whole-image steps (default); with conv a cosine lr
             schedule and the ${BS3_PRESETS.fast.mine * 100} % worst-reconstructed pixels left out of the loss
             from step ${BS3_PRESETS.fast.mineFrom}, score mean |x − x̂| over bands; with mask fresh
             masks each step and the paper's score mean (x − x̂)²
           --preset paper: the paper's 19×19 patches, ${BS3_PRESETS.paper.epochs} epochs (hours on a CPU adapter)
           --epochs N overrides the preset's; --pd F sets the pixel-shuffle factor (1: off);
           --score l2 the paper's score, l1 the mean absolute error (the preset's otherwise);
           --seed S (default 1) makes runs repeatable
  rx       global Reed–Xiaoli (scene mean and covariance, pseudo-inverse)
  lrx      local dual-window RX (outer ${LRX_DEFAULTS.outer}, inner ${LRX_DEFAULTS.inner}, on ${LRX_DEFAULTS.dims} principal components)
--tuning FILE loads kernel choices measured by \`hsi tune\` on this adapter (speed only).
Ctrl-C stops training after the current step and writes nothing. Formats: ${SCENE_FORMATS}.`;

export interface DetectJob extends DetectorOptions {
  scene: string;
  file: string | null;
  cube: Cube;
  map?: LabelMap;
  model: Model;
  out: string;
  json?: boolean;
  /** Seconds spent loading the scene. */
  loadSeconds: number;
}

/** Runs one detection and writes its outputs; returns the exit code (130 when stopped). */
export async function detectScene(gpu: Gpu, job: DetectJob): Promise<number> {
  const t0 = performance.now();
  const r = await runDetector(gpu, job.model, job.cube, job);
  if (r.aborted) {
    console.error(`hsi detect: stopped at step ${r.aborted.step} of ${r.aborted.steps}; nothing written to ${job.out}`);
    return 130;
  }
  const tModel = performance.now();
  const { cube, map } = job;
  const scores = r.scores;
  const files = await writeOutputs(job.out, { cube, map, scores });
  const auc = scoreResult({ cube, map, scores });
  const summary = {
    scene: job.scene, file: job.file, rows: cube.rows, cols: cube.cols, bands: cube.bands, model: job.model, settings: r.settings, seed: job.seed, auc,
    seconds: { load: job.loadSeconds, train: r.trainSeconds ?? 0, model: (tModel - t0) / 1e3, total: job.loadSeconds + (performance.now() - t0) / 1e3 },
    adapter: describeGpu(gpu).adapter, out: job.out, files: { ...files, summary: 'summary.json' },
  };
  await writeAtomic(path.join(job.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!job.json) report(summary.scene, job.model, auc, summary.seconds.model, job.out);
  else console.log(JSON.stringify(summary));
  return 0;
}

export const detect: Command = {
  summary: 'score a scene for anomalies (BS3LNet, RX, local RX)',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        model: { type: 'string' }, blindspot: { type: 'string' }, preset: { type: 'string' }, epochs: { type: 'string' }, pd: { type: 'string' }, score: { type: 'string' },
        data: { type: 'string' }, map: { type: 'string' }, 'non-finite': { type: 'string' },
        out: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' }, tuning: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    const model = choice('model', values.model, MODELS, DEFAULT_MODEL);
    const opts: DetectorOptions = {
      blindspot: values.blindspot === undefined ? undefined : choice('blindspot', values.blindspot, ['mask', 'conv'] as const, 'conv'),
      preset: choice('preset', values.preset, ['fast', 'paper'] as const, 'fast'),
      epochs: values.epochs === undefined ? undefined : intOption('epochs', values.epochs, 1, 1, 1e6),
      pd: values.pd === undefined ? undefined : intOption('pd', values.pd, 1, 1, 8),
      score: values.score === undefined ? undefined : choice('score', values.score, ['l1', 'l2'] as const, 'l1'),
      seed: intOption('seed', values.seed, 1, 0, 2 ** 31 - 1),
    };
    const nonFinite = choice('non-finite', values['non-finite'], ['error', 'zero', 'band-mean'] as const, 'error');
    const out = values.out ?? path.join('hsi-out', `${sceneStem(file)}-${model}`);
    const t0 = performance.now();
    const { cube, map } = await loadScene(file, { data: values.data, map: values.map, nonFinite });
    const loadSeconds = (performance.now() - t0) / 1e3;
    const stop = interruptible();
    const tuning = values.tuning === undefined ? undefined : await readTuning(values.tuning);
    const gpu = await createGpu({ tuning });
    try {
      return await detectScene(gpu, { ...opts, signal: stop.signal, scene: sceneStem(file), file, cube, map, model, out, json: values.json, loadSeconds });
    } finally {
      stop.release();
      gpu.destroy();
    }
  },
};

/** A table written by \`hsi tune\`; a missing or unreadable file is a usage error. */
async function readTuning(file: string): Promise<TuningTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--tuning: expected a file written by hsi tune, got ${file} (${(e as Error).message}); run hsi tune --out ${file} first`);
  }
  try {
    return JSON.parse(text) as TuningTable;
  } catch {
    throw new UsageError(`--tuning: expected JSON written by hsi tune, got unparsable text in ${file}; run hsi tune --out ${file} again`);
  }
}

function report(scene: string, model: string, auc: ReturnType<typeof scoreResult>, seconds: number, out: string): void {
  const a = auc ? `AUC(D,F) ${auc.aucDF.toFixed(4)}, AUC(D,τ) ${auc.aucDtau.toFixed(4)}, AUC(F,τ) ${auc.aucFtau.toFixed(4)}, SNPR ${auc.snpr.toFixed(2)} dB` : 'no ground-truth map: no AUCs';
  console.log(`${scene} ${model}: ${a} (${seconds.toFixed(2)} s); outputs in ${out}`);
}

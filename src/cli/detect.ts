/** `hsi detect <file>`: an anomaly map, AUCs and pictures from a classical or learned detector. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGpu, describeGpu, type Gpu, type TuningTable } from '../index.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { modelsFor } from '../models/index.ts';
import { choice, interruptible, sceneStem, UsageError, writeAtomic, type Command } from './common.ts';
import { loadScene, SCENE_FORMATS } from './scene.ts';
import { outputFlags, outputHelp, outputOptions, scoreResult, writeOutputs } from './outputs.ts';
import type { DetectionFileOptions } from '../report/detect.ts';
import { detectionSummary } from '../report/detect.ts';
import { modelFlags, modelFromFlags, modelsHelp, runJob, type SceneJob } from './detectors.ts';

const usage = `usage: hsi detect <file> [--model ${modelsFor('detect').map((m) => m.name).join('|')}] [model options]
                  [--data VAR] [--map VAR] [--non-finite error|zero|band-mean]
                  [--format tif,npy,mat] [--far 1e-3] [--tuning FILE] [--out DIR] [--json]

Scores every pixel of a scene for anomalies and writes to --out (default
./hsi-out/<scene>-<model>/): scores.tif, scores.npy and scores.mat (--format), scores.png (heat
map with a colour bar, ground-truth outline beside the targets when the file has a map),
gt-overlay.png (the outline alone, transparent), scene.png (false colour), detections.png (pixels
above the --far threshold), roc.csv, roc.png and the AUCs and P_D at 1e-3 and 1e-2 false alarms
when a map exists, and summary.json (written last). With --json the last line of stdout is the
summary.

${outputHelp}

models and their options:
${modelsHelp('detect')}

--tuning FILE loads kernel choices measured by \`hsi tune\` on this adapter (speed only).
Ctrl-C stops training after the current step and writes nothing. Formats: ${SCENE_FORMATS}.`;

export interface DetectJob extends SceneJob<'detect'> {
  map?: LabelMap;
  /** --format and --far. */
  outputs?: DetectionFileOptions;
}

/** Runs one detection and writes its outputs; returns the exit code (130 when stopped). */
export async function detectScene(gpu: Gpu, job: DetectJob): Promise<number> {
  const t0 = performance.now();
  const run = await runJob(gpu, 'detect', job);
  if (!run) return 130;
  const { r, modelSeconds } = run;
  const { cube, map } = job;
  const scores = r.scores;
  const files = await writeOutputs(job.out, { cube, map, scores }, job.outputs);
  const auc = scoreResult({ cube, map, scores });
  const seconds = { load: job.loadSeconds, train: r.trainSeconds ?? 0, model: modelSeconds, total: job.loadSeconds + (performance.now() - t0) / 1e3 };
  const info = { scene: job.scene, file: job.file, model: job.model.name, seed: job.options.seed, seconds, adapter: describeGpu(gpu).adapter, out: job.out, far: job.outputs?.far };
  const summary = detectionSummary(info, cube, r, auc, files);
  await writeAtomic(path.join(job.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!job.json) report(job.scene, job.model.name, auc, seconds.model, job.out);
  else console.log(JSON.stringify(summary));
  return 0;
}

export const detect: Command = {
  summary: `score a scene for anomalies (${modelsFor('detect').map((m) => m.name).join(', ')})`,
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        model: { type: 'string' }, ...modelFlags('detect'),
        data: { type: 'string' }, map: { type: 'string' }, 'non-finite': { type: 'string' },
        out: { type: 'string' }, json: { type: 'boolean' }, tuning: { type: 'string' }, ...outputFlags,
      },
    });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    const { entry, options } = modelFromFlags('detect', values);
    const outputs = outputOptions(values);
    const nonFinite = choice('non-finite', values['non-finite'], ['error', 'zero', 'band-mean'] as const, 'error');
    const out = values.out ?? path.join('hsi-out', `${sceneStem(file)}-${entry.name}`);
    const t0 = performance.now();
    const { cube, map } = await loadScene(file, { data: values.data, map: values.map, nonFinite });
    const loadSeconds = (performance.now() - t0) / 1e3;
    const stop = interruptible();
    const tuning = values.tuning === undefined ? undefined : await readTuning(values.tuning);
    const gpu = await createGpu({ tuning });
    try {
      return await detectScene(gpu, { model: entry, options, signal: stop.signal, scene: sceneStem(file), file, cube, map, out, json: values.json, loadSeconds, outputs });
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

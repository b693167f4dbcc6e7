/**
 * One `hsi detect` scene: run the method, refuse non-finite scores, write the outputs, hashes
 * and provenance into the run folder, print the line with the AUCs. Used by hsi detect (one
 * scene or a batch) and hsi demo.
 */
import path from 'node:path';
import { describeGpu, type Gpu } from '../index.ts';
import { countNonFinite, DataError, type LabelMap } from '../data/cube.ts';
import { writeAtomic } from './common.ts';
import { scoreResult, writeOutputs } from './outputs.ts';
import { detectionSummary, type DetectionFileOptions } from '../report/detect.ts';
import { runJob, type SceneJob } from './detectors.ts';
import { openRun, withRun } from './runfolder.ts';
import { folderHashes, provenance } from './provenance.ts';

export interface DetectJob extends SceneJob<'detect'> {
  map?: LabelMap;
  /** Where to write (a run folder's temporary folder); `out` is where it ends up. */
  dir: string;
  /** Summary fields recording the input (provenance: variables, selection, warnings). */
  record?: Record<string, unknown>;
  /** --format and --far. */
  outputs?: DetectionFileOptions;
}

/** Refuses scores with NaN/Inf before anything is written. */
export function checkScores(scene: string, model: string, scores: Float32Array): void {
  const bad = countNonFinite(scores);
  if (bad === 0) return;
  throw new DataError(`${scene} ${model}`, `scores: expected finite values, got ${bad} NaN/Inf of ${scores.length}${bad === scores.length ? ' (all)' : ''}; nothing written`,
    'check the scene with hsi inspect (constant or huge bands), or try --model rx');
}

/** Runs one detection and writes its outputs into job.dir; the summary, or null when stopped. */
export async function detectOne(gpu: Gpu, job: DetectJob): Promise<Record<string, unknown> | null> {
  const t0 = performance.now();
  const run = await runJob(gpu, 'detect', job);
  if (!run) return null;
  const { r, modelSeconds } = run;
  const { cube, map } = job;
  checkScores(job.scene, job.model.name, r.scores);
  const files = await writeOutputs(job.dir, { cube, map, scores: r.scores }, job.outputs);
  const auc = scoreResult({ cube, map, scores: r.scores });
  const seconds = { load: job.loadSeconds, train: r.trainSeconds ?? 0, model: modelSeconds, total: job.loadSeconds + (performance.now() - t0) / 1e3 };
  const info = { scene: job.scene, file: job.file, model: job.model.name, seed: job.options.seed, seconds, adapter: describeGpu(gpu).adapter, out: job.out, far: job.outputs?.far };
  const summary = {
    ...detectionSummary(info, cube, r, auc, files),
    map: map ? { name: map.name ?? null, classes: auc ? 2 : 1 } : null,
    sha256: await folderHashes(job.dir),
    provenance: await provenance(job.file, job.record ?? {}),
  };
  await writeAtomic(path.join(job.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!job.json) report(job.scene, job.model.name, auc, map, seconds.model, job.out);
  else console.log(JSON.stringify(summary));
  return summary;
}

/** detectOne in a run folder of its own (`hsi demo`, and `hsi detect` with one scene). */
export async function detectScene(gpu: Gpu, job: Omit<DetectJob, 'dir'> & { dir?: string }): Promise<number> {
  if (job.dir !== undefined) return (await detectOne(gpu, job as DetectJob)) ? 0 : 130;
  return withRun(await openRun(job.out), async (dir) => ((await detectOne(gpu, { ...job, dir })) ? 0 : 130));
}

function report(scene: string, model: string, auc: ReturnType<typeof scoreResult>, map: LabelMap | undefined, seconds: number, out: string): void {
  const a = auc ? `AUC(D,F) ${auc.aucDF.toFixed(4)}, AUC(D,τ) ${auc.aucDtau.toFixed(4)}, AUC(F,τ) ${auc.aucFtau.toFixed(4)}, SNPR ${auc.snpr.toFixed(2)} dB`
    : map ? 'AUC undefined: the map has one class only' : 'no ground-truth map: no AUCs';
  console.log(`${scene} ${model}: ${a} (${seconds.toFixed(2)} s); outputs in ${out}`);
}

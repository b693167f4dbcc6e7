/**
 * One run in the worker: a registry method on the open scene, then the files the command line
 * would write (report/detect.ts, report/cluster.ts) plus what the page draws (the map picture,
 * a thinned ROC curve, the metrics). No method is named here: every registered one runs the same
 * way (docs/engine.md#model-registry).
 */
import { zipSync } from 'fflate';
import type { Gpu } from '../gpu/index.ts';
import { describeGpu } from '../gpu/info.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { anomalyTruth } from '../data/scene.ts';
import { rocCurve } from '../metrics/roc.ts';
import { percentile } from '../data/png.ts';
import { OptionError } from '../errors.ts';
import { findModel } from '../models/index.ts';
import type { ClusterOutput, DetectOutput, RunContext, Task } from '../models/registry.ts';
import { detectionFiles, detectionSummary, mapPictureScale, scoreFigure, scoreResult, type RunInfo } from '../report/detect.ts';
import { classCount, clusterFiles, clusterSummary } from '../report/cluster.ts';
import type { RunResult } from './protocol.ts';

/** The scene the worker holds. */
export interface OpenScene {
  cube: Cube;
  map?: LabelMap;
  /** Scene name (file stem, or 'synthetic'), and file name (null when made in the page). */
  name: string;
  file: string | null;
  /** The ground truth's own file, when it came in one (else the map is the scene file's). */
  mapFile?: string;
  loadSeconds: number;
}

/** A method and its options, as the form sends them. */
export interface RunRequest {
  task: Task;
  model: string;
  options: Record<string, number | string>;
}

/** At most ~`n` points of a curve, evenly by index, keeping both ends (uPlot draws them all). */
function thin(pf: number[], pd: number[], n = 1000): { pf: number[]; pd: number[] } {
  const step = Math.max(1, Math.ceil(pf.length / n));
  const keep = pf.map((_, i) => i).filter((i) => i % step === 0 || i === pf.length - 1);
  return { pf: keep.map((i) => pf[i]), pd: keep.map((i) => pd[i]) };
}

/** Runs `req` on `scene`; `{ aborted }` when the signal stopped it (nothing is made, like the CLI). */
export async function runOnScene(gpu: Gpu, scene: OpenScene, req: RunRequest, ctx: RunContext): Promise<RunResult | { aborted: { step: number; steps: number } }> {
  const options = { ...req.options };
  if (req.task === 'cluster' && options.k === undefined) {
    const k = classCount(scene.map);
    if (k < 2) throw new OptionError(req.model, `k: expected the number of clusters (the scene has no ground truth with 2 or more classes to count), got none`);
    options.k = k;
  }
  const entry = findModel(req.model, req.task);
  entry.settings(options);
  const t0 = performance.now();
  const out = await entry.run(gpu, scene.cube, options, { ...ctx, gt: req.task === 'cluster' ? scene.map : undefined });
  if (out.aborted) return { aborted: out.aborted };
  const modelSeconds = (performance.now() - t0) / 1e3;
  const info: RunInfo = {
    scene: scene.name, file: scene.file, model: entry.name, seed: options.seed,
    seconds: { load: scene.loadSeconds, train: out.trainSeconds ?? 0, model: modelSeconds, total: scene.loadSeconds + modelSeconds },
    adapter: describeGpu(gpu).adapter, out: `${scene.name}-${entry.name}`,
  };
  const base = { task: req.task, model: entry.name, scene: scene.name, settings: out.settings, seconds: modelSeconds };
  const made = req.task === 'detect' ? detectResult(scene, out as DetectOutput, info) : clusterResult(gpu, scene, out as ClusterOutput, info, options.k as number);
  return { ...base, ...made, zip: zipFolder(info.out, made.files) };
}

/** The files as `<folder>/<name>` entries of a .zip (PNGs and .mat are compressed already: stored). */
function zipFolder(folder: string, files: Record<string, Uint8Array | string>): { name: string; bytes: Uint8Array } {
  const text = new TextEncoder();
  const entries = Object.entries(files).map(([n, b]) => [`${folder}/${n}`, [typeof b === 'string' ? text.encode(b) : b, { level: /\.(png|mat)$/.test(n) ? 0 : 6 }]]);
  return { name: `${folder}.zip`, bytes: zipSync(Object.fromEntries(entries)) };
}

type Made = Omit<RunResult, 'task' | 'model' | 'scene' | 'settings' | 'seconds' | 'zip'>;

function detectResult(scene: OpenScene, out: DetectOutput, info: RunInfo): Made {
  const { cube } = scene;
  // The map is anomaly truth only as `hsi detect` takes it (data/scene.ts anomalyTruth): a
  // class-label map gives no AUCs, and the page says why, rather than scoring value > 0.
  const truth = scene.map ? anomalyTruth(scene.mapFile ?? scene.file ?? scene.name, cube, scene.map.data) : {};
  const map = truth.map;
  const r = { cube, map, scores: out.scores };
  const { names, bytes } = detectionFiles(r);
  const auc = scoreResult(r);
  bytes['summary.json'] = JSON.stringify(detectionSummary(info, cube, out, auc, names), null, 2) + '\n';
  const roc = auc && map ? rocCurve(out.scores, map.data) : null;
  const pictureScale = mapPictureScale(cube.rows, cube.cols, map !== undefined);
  return {
    // The page draws its own colour bar beside the map, so its pictures are the map alone.
    picture: scoreFigure(out.scores, cube.rows, cube.cols, { gt: map, scale: pictureScale, colourBar: false }),
    plainPicture: scoreFigure(out.scores, cube.rows, cube.cols, { scale: pictureScale, colourBar: false }),
    files: bytes,
    // The values at the ends of the picture's colour map (its 1st and 99th percentiles), so the bar reads true.
    scoreRange: [percentile(out.scores, 1), percentile(out.scores, 99)],
    auc: auc && { aucDF: auc.aucDF, aucDtau: auc.aucDtau, aucFtau: auc.aucFtau, snpr: auc.snpr },
    roc: roc ? thin(roc.map((p) => p.pf), roc.map((p) => p.pd)) : undefined,
    truthNote: truth.warning,
  };
}

function clusterResult(gpu: Gpu, scene: OpenScene, out: ClusterOutput, info: RunInfo, k: number): Made {
  const gt = classCount(scene.map) > 0 ? scene.map : undefined;
  const r = { cube: scene.cube, gt, labels: out.labels, k };
  const made = clusterFiles(r);
  const gtSource = !gt ? null : scene.mapFile ?? `${scene.file ?? scene.name} (its label map)`;
  const summary = clusterSummary({ ...info, gtSource, gpuPeakBytes: gpu.stats().peakLiveBytes }, r, out, made);
  made.bytes['summary.json'] = JSON.stringify(summary, null, 2) + '\n';
  const m = made.metrics;
  return {
    files: made.bytes, picture: made.bytes[made.names.clusters] as Uint8Array,
    metrics: m && { acc: m.acc, nmi: m.nmi, kappa: m.kappa, ari: m.ari, purity: m.purity }, legend: made.legend,
  };
}

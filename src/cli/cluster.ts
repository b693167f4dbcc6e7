/** `hsi cluster <file>`: cluster labels for every pixel, metrics against a ground truth, pictures. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createGpu, describeGpu, type Gpu } from '../index.ts';
import { DataError, type Cube, type LabelMap } from '../data/cube.ts';
import { checkMapSize } from '../data/scene.ts';
import { readMatMap } from '../data/mat.ts';
import { DEFAULT_MODELS, modelsFor } from '../models/index.ts';
import { choice, interruptible, parseFlags, sceneStem, UsageError, writeAtomic, type Command } from './common.ts';
import { openRun, withRun } from './runfolder.ts';
import { folderHashes, provenance } from './provenance.ts';
import { loadScene, readBytes, SCENE_FORMATS } from './scene.ts';
import { writeClusterOutputs } from './clusterout.ts';
import { readMapFile } from './truth.ts';
import { classCount, clusterSummary } from '../report/cluster.ts';
import { modelFlags, modelFromFlags, modelsHelp, runJob, type SceneJob } from './detectors.ts';
import type { ModelEntry, OptionValues } from '../models/registry.ts';

const usage = `usage: hsi cluster <file> [--model ${modelsFor('cluster').map((m) => m.name).join('|') || 'NAME'}] [model options]
                   [--gt FILE[:VAR] | --gt VAR] [--data VAR] [--non-finite error|zero|band-mean]
                   [--out DIR] [--json]

Assigns every pixel of a scene to one of K clusters and writes to --out (default
./hsi-out/<scene>-<model>/): clusters.png (clusters in the colours of the classes they match,
the ground truth beside them, a swatch per cluster below), labels.npy (int32) and labels.mat,
confusion.csv and the metrics (ACC, NMI, kappa, ARI, purity, per class; labelled pixels only)
when a ground truth exists, and summary.json (written last). The ground truth is the scene
file's label map, --gt VAR (a variable of the scene's .mat), or --gt FILE[:VAR] (a file of its
own: .mat, .npy, one-band .tif or ENVI .hdr). K (--k) defaults to the number of ground-truth classes; without a ground
truth it is required.

models and their options:
${modelsHelp('cluster')}

Ctrl-C stops training after the current step and writes nothing. Formats: ${SCENE_FORMATS}.`;

/** A class-label map from a .npy, one-band GeoTIFF or ENVI file: whole numbers, 0 = unlabelled. */
async function labelFile(file: string, variable: string | undefined): Promise<LabelMap> {
  const { values, rows, cols, source } = await readMapFile({ file, variable }, '--gt');
  const data = new Int32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const x = values[i];
    if (!Number.isInteger(x) || x < 0) throw new DataError(source, `labels: expected whole numbers ≥ 0 (0 = unlabelled), got ${x} at pixel ${i}`, 'pass a class-label map');
    data[i] = x;
  }
  return { rows, cols, data, name: source };
}

/** The ground truth `spec` names (see usage), or the scene's own map; checked against the cube's size. */
async function groundTruth(spec: string | undefined, file: string, cube: Cube, own: LabelMap | undefined): Promise<{ gt?: LabelMap; source: string | null }> {
  let gt = own;
  let source: string | null = own ? `${path.basename(file)} (its label map)` : null;
  if (spec !== undefined) {
    const [f, v] = spec.includes(':') && existsSync(spec.slice(0, spec.lastIndexOf(':'))) ? [spec.slice(0, spec.lastIndexOf(':')), spec.slice(spec.lastIndexOf(':') + 1)] : existsSync(spec) ? [spec, undefined] : [file, spec];
    if (f === file && path.extname(f).toLowerCase() !== '.mat') throw new UsageError(`--gt: expected a map file (FILE or FILE:VAR) or a variable of the scene's .mat, got ${spec}`);
    gt = path.extname(f).toLowerCase() === '.mat' ? await readMatMap(await readBytes(f), path.basename(f), { map: v, mapKind: 'labels' }) : await labelFile(f, v);
    source = `${path.basename(f)}${v ? `:${v}` : ''}`;
  }
  if (gt) checkMapSize(source ?? 'gt', cube, gt);
  return { gt, source };
}

export interface ClusterJob extends SceneJob<'cluster'> {
  gt?: LabelMap;
  gtSource: string | null;
  /** Where to write (the run folder's temporary folder); `out` is where it ends up. */
  dir: string;
}

/** Runs one clustering and writes its outputs; returns the exit code (130 when stopped). */
export async function clusterScene(gpu: Gpu, job: ClusterJob): Promise<number> {
  const t0 = performance.now();
  const run = await runJob(gpu, 'cluster', job);
  if (!run) return 130;
  const { r, modelSeconds } = run;
  const k = job.options.k as number;
  const { files, metrics, legend } = await writeClusterOutputs(job.dir, { cube: job.cube, gt: job.gt, labels: r.labels, k });
  const seconds = { load: job.loadSeconds, train: r.trainSeconds ?? 0, model: modelSeconds, total: job.loadSeconds + (performance.now() - t0) / 1e3 };
  const info = { scene: job.scene, file: job.file, model: job.model.name, seconds, adapter: describeGpu(gpu).adapter, out: job.out, gtSource: job.gtSource, gpuPeakBytes: gpu.stats().peakLiveBytes };
  const summary = {
    ...clusterSummary(info, { cube: job.cube, gt: job.gt, labels: r.labels, k }, r, { names: files, metrics, legend }),
    sha256: await folderHashes(job.dir), provenance: await provenance(job.file, { gt: job.gtSource }),
  };
  await writeAtomic(path.join(job.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (job.json) console.log(JSON.stringify(summary));
  else {
    const m = metrics ? `ACC ${metrics.acc.toFixed(4)}, NMI ${metrics.nmi.toFixed(4)}, kappa ${metrics.kappa.toFixed(4)}, ARI ${metrics.ari.toFixed(4)}` : 'no ground truth: no metrics';
    console.log(`${job.scene} ${job.model.name} (k ${k}): ${m} (${seconds.model.toFixed(2)} s); outputs in ${job.out}`);
  }
  return 0;
}

export const cluster: Command = {
  summary: `cluster the pixels of a scene (${modelsFor('cluster').map((m) => m.name).join(', ')})`,
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' }, ...modelFlags('cluster'), gt: { type: 'string' },
      data: { type: 'string' }, 'non-finite': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    const { entry, options } = modelFromFlags('cluster', { ...values, model: values.model ?? DEFAULT_MODELS.cluster ?? undefined });
    const out = values.out ?? path.join('hsi-out', `${sceneStem(file)}-${entry.name}`);
    if (values.data !== undefined && path.extname(file).toLowerCase() !== '.mat') throw new UsageError(`--data ${values.data}: names a variable of a .mat scene, got ${path.basename(file)}, whose format holds one cube; drop --data`);
    const run = await openRun(out);
    try {
      return await clusterFile(run, file, values, options, entry, out);
    } finally {
      run.discard();
    }
  },
};

/** Loads the scene and its ground truth, then clusters it into the run folder. */
async function clusterFile(run: Awaited<ReturnType<typeof openRun>>, file: string, values: Record<string, unknown>, options: OptionValues, entry: ModelEntry<'cluster'>, out: string): Promise<number> {
  const nonFinite = choice('non-finite', values['non-finite'] as string | undefined, ['error', 'zero', 'band-mean'] as const, 'error');
  const t0 = performance.now();
  const scene = await loadScene(file, { data: values.data as string | undefined, nonFinite, mapKind: 'labels' });
  const { gt, source } = await groundTruth(values.gt as string | undefined, file, scene.cube, scene.map);
  const classes = classCount(gt ?? undefined);
  if (options.k === undefined) {
    if (classes === 0) throw new UsageError('--k: expected the number of clusters (no ground truth was found to count its classes: pass --k K, or --gt FILE[:VAR])');
    options.k = classes;
  }
  const loadSeconds = (performance.now() - t0) / 1e3;
  const stop = interruptible();
  const gpu = await createGpu();
  try {
    return await withRun(run, (dir) => clusterScene(gpu, { model: entry, options, gt, gtSource: source, signal: stop.signal, scene: sceneStem(file), file, cube: scene.cube, out, dir, json: values.json as boolean | undefined, loadSeconds }));
  } finally {
    stop.release();
    gpu.destroy();
  }
}

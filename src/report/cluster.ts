/**
 * What a clustering run produces, as named bytes: the cluster map next to the ground truth
 * (clusters.png, each cluster in the colour of the class it was matched to), the labels (.npy
 * int32, .mat), the confusion matrix (confusion.csv) when a ground truth exists, and the metrics
 * and legend for summary.json. The command line (cli/cluster.ts) writes them to a folder and the
 * browser app (web/) offers them as downloads (docs/app.md#downloads).
 */
import type { Cube, LabelMap } from '../data/cube.ts';
import { encodePng } from '../data/png.ts';
import { CATEGORICAL } from '../data/colormap.ts';
import { writeNpy } from '../data/npy.ts';
import { mapVariable, writeMat } from '../data/matwrite.ts';
import { clusterScores, type ClusterScores } from '../metrics/cluster.ts';
import type { ClusterOutput } from '../models/registry.ts';
import type { OutputFiles, RunInfo } from './detect.ts';

/** The number of ground-truth classes of a map (its distinct labels > 0; 0 without a map): K's default. */
export const classCount = (map: LabelMap | undefined): number => (map ? new Set(Array.from(map.data).filter((v) => v > 0)).size : 0);

/** A clustering run's labels with its scene and ground truth. */
export interface ClusterResult {
  cube: Cube;
  gt?: LabelMap;
  labels: Int32Array;
  k: number;
}

/** The metrics against the ground truth (labelled pixels only), or null without one. */
export function clusterMetrics(r: ClusterResult): ClusterScores | null {
  return r.gt ? clusterScores(r.labels, r.gt.data, { ignore: 0, clusters: r.k }) : null;
}

const hex = ([r, g, b]: readonly number[]): string => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Colour of cluster c: its matched class's colour, else a colour after the classes'. */
function clusterColours(k: number, scores: ClusterScores | null): (readonly [number, number, number])[] {
  let spare = scores ? Math.max(...scores.classes) + 1 : 0;
  return Array.from({ length: k }, (_, c) => {
    const cls = scores?.mapping[c] ?? -1;
    return CATEGORICAL[(cls >= 0 ? cls : scores ? spare++ : c + 1) % CATEGORICAL.length];
  });
}

/** Clusters, a gap, then the ground truth (unlabelled black); one row of swatches, a cluster each, under the map. */
function clusterPicture(r: ClusterResult, colours: (readonly [number, number, number])[]): { rgb: Uint8Array; rows: number; cols: number } {
  const { rows, cols } = r.cube;
  const gap = r.gt ? 2 : 0;
  const width = r.gt ? 2 * cols + gap : cols;
  const swatch = Math.max(1, Math.floor(cols / Math.max(r.k, 1)));
  const height = rows + 2 + Math.max(2, Math.round(swatch / 2));
  const rgb = new Uint8Array(height * width * 3).fill(255);
  const put = (y: number, x: number, c: readonly number[]): void => rgb.set(c, (y * width + x) * 3);
  for (let p = 0; p < rows * cols; p++) {
    const [y, x] = [Math.floor(p / cols), p % cols];
    put(y, x, colours[r.labels[p]] ?? [0, 0, 0]);
    if (r.gt) put(y, cols + gap + x, r.gt.data[p] > 0 ? CATEGORICAL[r.gt.data[p] % CATEGORICAL.length] : [0, 0, 0]);
  }
  for (let c = 0; c < r.k; c++) {
    for (let y = rows + 2; y < height; y++) for (let x = c * swatch; x < Math.min(width, (c + 1) * swatch - 1); x++) put(y, x, colours[c]);
  }
  return { rgb, rows: height, cols: width };
}

/** A cluster's colour and the class it was matched to (null: none). */
export interface ClusterLegendEntry {
  cluster: number;
  class: number | null;
  colour: string;
}

/** Every output but the summary, with the metrics and legend the summary reports. */
export function clusterFiles(r: ClusterResult): OutputFiles & { metrics: ClusterScores | null; legend: ClusterLegendEntry[] } {
  const { rows, cols } = r.cube;
  const metrics = clusterMetrics(r);
  const colours = clusterColours(r.k, metrics);
  const pic = clusterPicture(r, colours);
  const scale = Math.max(1, Math.min(8, Math.floor(512 / Math.max(pic.rows, pic.cols))));
  const names: Record<string, string> = { clusters: 'clusters.png', labelsNpy: 'labels.npy', labelsMat: 'labels.mat' };
  const bytes: Record<string, Uint8Array | string> = {
    [names.clusters]: encodePng(pic.rgb, pic.rows, pic.cols, scale),
    [names.labelsNpy]: writeNpy(r.labels, [rows, cols]),
    [names.labelsMat]: writeMat([mapVariable('labels', { rows, cols, data: r.labels }, 'int32')], { compress: true }),
  };
  if (metrics) {
    names.confusion = 'confusion.csv';
    const head = ['class', ...Array.from({ length: r.k }, (_, c) => `cluster ${c}`)].join(',');
    const body = metrics.confusion.map((row, i) => [metrics.classes[i], ...row].join(','));
    bytes[names.confusion] = [head, ...body].join('\n') + '\n';
  }
  const legend = colours.map((c, i) => ({ cluster: i, class: metrics && metrics.mapping[i] >= 0 ? metrics.mapping[i] : null, colour: hex(c) }));
  return { names, bytes, metrics, legend };
}

/** summary.json of a clustering, with `files` naming every output and the summary itself. */
export function clusterSummary(info: RunInfo & { gtSource: string | null; gpuPeakBytes: number }, r: ClusterResult, out: ClusterOutput, made: { names: Record<string, string>; metrics: ClusterScores | null; legend: ClusterLegendEntry[] }): Record<string, unknown> {
  const { metrics } = made;
  return {
    scene: info.scene, file: info.file, rows: r.cube.rows, cols: r.cube.cols, bands: r.cube.bands, model: info.model, settings: out.settings, seed: out.settings.seed ?? null, k: r.k,
    gt: r.gt ? { source: info.gtSource, classes: metrics!.classes, labelled: metrics!.pixels } : null,
    metrics: metrics && { acc: metrics.acc, nmi: metrics.nmi, kappa: metrics.kappa, ari: metrics.ari, purity: metrics.purity, perClass: metrics.perClass },
    legend: made.legend, seconds: info.seconds, gpuPeakBytes: info.gpuPeakBytes, adapter: info.adapter, out: info.out, files: { ...made.names, summary: 'summary.json' },
  };
}

/**
 * What a detection run produces, as named bytes: the scores in the chosen formats
 * (report/scorefiles.ts: GeoTIFF, ENVI, .npy, .mat), the score map with its colour bar, a
 * false-colour view of the scene, the detections at a false-alarm rate (PNG), and, when a
 * ground-truth map exists, its outline as an overlay, the ROC curve (CSV and PNG) and summary.json.
 * The command line (cli/detect.ts) writes these bytes to a folder and the browser app (web/)
 * offers them as downloads, so both give the same files (docs/app.md#downloads).
 */
import type { Cube, LabelMap } from '../data/cube.ts';
import { crsSummary } from '../data/geo.ts';
import { falseColourPng } from '../data/png.ts';
import { detectionScores, rocCsv, rocCurve, type DetectionScores } from '../metrics/roc.ts';
import type { DetectOutput } from '../models/registry.ts';
import { DEFAULT_FAR, detectionMask, pdAtFarPoints, thresholdAtFar } from './far.ts';
import { detectionFigure, gtOverlayPng, rocFigure, scoreFigure } from './figures.ts';
import { addScoreFiles, DEFAULT_FORMATS, type NamedFiles, type ScoreFormat } from './scorefiles.ts';

export { DEFAULT_FAR } from './far.ts';
export { scoreFigure } from './figures.ts';
export { DEFAULT_FORMATS, SCORE_FORMATS, type ScoreFormat } from './scorefiles.ts';

/** A detection run's scores with its scene and map. */
export interface DetectionResult {
  cube: Cube;
  map?: LabelMap;
  scores: Float32Array;
}

/** Output file bytes by file name, and the names by role (the summary's `files`). */
export type OutputFiles = NamedFiles;

/** Which files a run writes (the CLI's --format and --far). */
export interface DetectionFileOptions {
  /** Score formats (default DEFAULT_FORMATS: tif, npy, mat). */
  formats?: readonly ScoreFormat[];
  /** False-alarm rate of the detection map (default 1e-3). */
  far?: number;
}

/** The AUCs, SNPR, anomaly count and P_D at 1e-3 and 1e-2 false alarms, or null without a two-class map. */
export type DetectionAuc = (DetectionScores & { anomalyPixels: number; pdAtFar: Record<string, number> }) | null;

/** The AUCs and SNPR when a map with both classes exists, else null. */
export function scoreResult(r: DetectionResult): DetectionAuc {
  if (!r.map) return null;
  const anomalyPixels = r.map.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  if (anomalyPixels === 0 || anomalyPixels === r.map.data.length) return null;
  return { ...detectionScores(r.scores, r.map.data), anomalyPixels, pdAtFar: pdAtFarPoints(rocCurve(r.scores, r.map.data)) };
}

/** Pictures at least ~512 px on the long side, so small scenes are readable. */
export const pictureScale = (rows: number, cols: number): number => Math.max(1, Math.min(8, Math.floor(512 / Math.max(rows, cols))));

/** The score map's scale: with a map at least 2, so the outline never covers a whole pixel. */
export const mapPictureScale = (rows: number, cols: number, withMap: boolean): number => Math.max(withMap ? 2 : 1, pictureScale(rows, cols));

/** Every output but the summary. */
export function detectionFiles(r: DetectionResult, opts: DetectionFileOptions = {}): OutputFiles {
  const { rows, cols } = r.cube;
  const scale = pictureScale(rows, cols);
  const mapScale = mapPictureScale(rows, cols, r.map !== undefined);
  const out: OutputFiles = { names: {}, bytes: {} };
  addScoreFiles(out, r.cube, r.scores, opts.formats ?? DEFAULT_FORMATS);
  const far = thresholdAtFar(r.scores, opts.far ?? DEFAULT_FAR);
  Object.assign(out.names, { scoreMap: 'scores.png', scene: 'scene.png', detections: 'detections.png' });
  out.bytes['scores.png'] = scoreFigure(r.scores, rows, cols, { gt: r.map, scale: mapScale });
  out.bytes['scene.png'] = falseColourPng(r.cube, { scale });
  out.bytes['detections.png'] = detectionFigure(r.cube, detectionMask(r.scores, far.threshold), scale);
  if (r.map) {
    out.names.gtOverlay = 'gt-overlay.png';
    out.bytes['gt-overlay.png'] = gtOverlayPng(r.map, mapScale);
  }
  const auc = scoreResult(r);
  if (auc) {
    const curve = rocCurve(r.scores, r.map!.data);
    Object.assign(out.names, { roc: 'roc.csv', rocPlot: 'roc.png' });
    out.bytes['roc.csv'] = rocCsv(curve);
    out.bytes['roc.png'] = rocFigure(curve, auc.background, auc.aucDF);
  }
  return out;
}

/** Where a run came from and how long it took (the summary's fields that are not the result). */
export interface RunInfo {
  scene: string;
  file: string | null;
  model: string;
  /** The seed the options asked for, when the settings do not name one. */
  seed?: number | string;
  seconds: { load: number; train: number; model: number; total: number };
  adapter: unknown;
  /** The output folder (the CLI's --out; the app names its download folder). */
  out: string;
  /** False-alarm rate of detections.png (default 1e-3). */
  far?: number;
}

/**
 * summary.json of a detection, with `files` naming every output and the summary itself, the CRS
 * of the scene (null when it has no georeference) and the threshold of detections.png.
 */
export function detectionSummary(info: RunInfo, cube: Cube, r: DetectOutput, auc: DetectionAuc, files: Record<string, string>): Record<string, unknown> {
  return {
    scene: info.scene, file: info.file, rows: cube.rows, cols: cube.cols, bands: cube.bands, model: info.model, settings: r.settings,
    seed: r.settings.seed ?? info.seed ?? null, auc, detections: thresholdAtFar(r.scores, info.far ?? DEFAULT_FAR), crs: crsSummary(cube.geo),
    seconds: info.seconds, adapter: info.adapter, out: info.out, files: { ...files, summary: 'summary.json' },
  };
}

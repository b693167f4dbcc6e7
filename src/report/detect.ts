/**
 * What a detection run produces, as named bytes: scores (.npy, .mat), the score map and a
 * false-colour view of the scene (PNG), the ROC curve (CSV) when a ground-truth map exists, and
 * summary.json. The command line (cli/detect.ts) writes these bytes to a folder and the browser
 * app (web/) offers them as downloads, so both give the same files (docs/app.md#downloads).
 */
import type { Cube, LabelMap } from '../data/cube.ts';
import { writeNpy } from '../data/npy.ts';
import { mapVariable, writeMat } from '../data/matwrite.ts';
import { falseColourPng, scoreMapPng } from '../data/png.ts';
import { detectionScores, rocCsv, rocCurve, type DetectionScores } from '../metrics/roc.ts';
import type { DetectOutput } from '../models/registry.ts';

/** A detection run's scores with its scene and map. */
export interface DetectionResult {
  cube: Cube;
  map?: LabelMap;
  scores: Float32Array;
}

/** Output file bytes by file name, and the names by role (the summary's `files`). */
export interface OutputFiles {
  names: Record<string, string>;
  bytes: Record<string, Uint8Array | string>;
}

/** The AUCs, SNPR and anomaly count, or null without a two-class map. */
export type DetectionAuc = (DetectionScores & { anomalyPixels: number }) | null;

/** The AUCs and SNPR when a map with both classes exists, else null. */
export function scoreResult(r: DetectionResult): DetectionAuc {
  if (!r.map) return null;
  const anomalyPixels = r.map.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  if (anomalyPixels === 0 || anomalyPixels === r.map.data.length) return null;
  return { ...detectionScores(r.scores, r.map.data), anomalyPixels };
}

/** Pictures at least ~512 px on the long side, so small scenes are readable. */
export const pictureScale = (rows: number, cols: number): number => Math.max(1, Math.min(8, Math.floor(512 / Math.max(rows, cols))));

/** Every output but the summary. */
export function detectionFiles(r: DetectionResult): OutputFiles {
  const { rows, cols } = r.cube;
  const scale = pictureScale(rows, cols);
  const names: Record<string, string> = { scoresNpy: 'scores.npy', scoresMat: 'scores.mat', scoreMap: 'scores.png', scene: 'scene.png' };
  const bytes: Record<string, Uint8Array | string> = {
    [names.scoresNpy]: writeNpy(r.scores, [rows, cols]),
    [names.scoresMat]: writeMat([mapVariable('scores', { rows, cols, data: r.scores }, 'single')], { compress: true }),
    [names.scoreMap]: scoreMapPng(r.scores, rows, cols, { gt: r.map, scale }),
    [names.scene]: falseColourPng(r.cube, { scale }),
  };
  if (scoreResult(r)) {
    names.roc = 'roc.csv';
    bytes[names.roc] = rocCsv(rocCurve(r.scores, r.map!.data));
  }
  return { names, bytes };
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
}

/** summary.json of a detection, with `files` naming every output and the summary itself. */
export function detectionSummary(info: RunInfo, cube: Cube, r: DetectOutput, auc: DetectionAuc, files: Record<string, string>): Record<string, unknown> {
  return {
    scene: info.scene, file: info.file, rows: cube.rows, cols: cube.cols, bands: cube.bands, model: info.model, settings: r.settings,
    seed: r.settings.seed ?? info.seed ?? null, auc, seconds: info.seconds, adapter: info.adapter, out: info.out, files: { ...files, summary: 'summary.json' },
  };
}

/**
 * What `hsi detect` writes to its output folder: scores (.npy, .mat), the score map and a
 * false-colour view of the scene (PNG), the ROC curve (CSV) when a ground-truth map exists,
 * and summary.json last, so a folder with a summary is always complete.
 */
import path from 'node:path';
import type { Cube, LabelMap } from '../data/cube.ts';
import { writeNpy } from '../data/npy.ts';
import { mapVariable, writeMat } from '../data/matwrite.ts';
import { falseColourPng, scoreMapPng } from '../data/png.ts';
import { detectionScores, rocCsv, rocCurve, type DetectionScores } from '../metrics/roc.ts';
import { writeAtomic } from './common.ts';

export interface DetectionResult {
  cube: Cube;
  map?: LabelMap;
  scores: Float32Array;
}

/** The AUCs and SNPR when a map with both classes exists, else null. */
export function scoreResult(r: DetectionResult): (DetectionScores & { anomalyPixels: number }) | null {
  if (!r.map) return null;
  const anomalyPixels = r.map.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
  if (anomalyPixels === 0 || anomalyPixels === r.map.data.length) return null;
  return { ...detectionScores(r.scores, r.map.data), anomalyPixels };
}

/** Writes every output but the summary; returns the file names (relative to `dir`). */
export async function writeOutputs(dir: string, r: DetectionResult): Promise<Record<string, string>> {
  const { rows, cols } = r.cube;
  // Pictures at least ~512 px on the long side, so small scenes are readable.
  const scale = Math.max(1, Math.min(8, Math.floor(512 / Math.max(rows, cols))));
  const files: Record<string, string> = {
    scoresNpy: 'scores.npy', scoresMat: 'scores.mat', scoreMap: 'scores.png', scene: 'scene.png',
  };
  await writeAtomic(path.join(dir, files.scoresNpy), writeNpy(r.scores, [rows, cols]));
  await writeAtomic(path.join(dir, files.scoresMat), writeMat([mapVariable('scores', { rows, cols, data: r.scores }, 'single')], { compress: true }));
  await writeAtomic(path.join(dir, files.scoreMap), scoreMapPng(r.scores, rows, cols, { gt: r.map, scale }));
  await writeAtomic(path.join(dir, files.scene), falseColourPng(r.cube, { scale }));
  if (scoreResult(r)) {
    files.roc = 'roc.csv';
    await writeAtomic(path.join(dir, files.roc), rocCsv(rocCurve(r.scores, r.map!.data)));
  }
  return files;
}

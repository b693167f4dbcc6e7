/**
 * The score map in the formats a run can write (the CLI's --format): GeoTIFF (`scores.tif`,
 * float32, the input's GeoTIFF georeference kept), ENVI (`scores.hdr` + `scores.img`, the
 * input's map info kept), NumPy (`scores.npy`) and MATLAB (`scores.mat`, variable `scores`).
 * A north-up grid also crosses formats (an ENVI scene's map info becomes GeoTIFF tags and back).
 */
import type { Cube } from '../data/cube.ts';
import { writeEnvi } from '../data/enviwrite.ts';
import { enviFromTiffTags, tiffTagsFromEnvi } from '../data/geoconvert.ts';
import { mapVariable, writeMat } from '../data/matwrite.ts';
import { writeNpy } from '../data/npy.ts';
import { writeTiff } from '../data/tiffwrite.ts';

export type ScoreFormat = 'tif' | 'envi' | 'npy' | 'mat';

/** Every format, in the order files are listed. */
export const SCORE_FORMATS: readonly ScoreFormat[] = ['tif', 'envi', 'npy', 'mat'];

/** What a run writes unless told otherwise: a GeoTIFF for GIS tools, .npy and .mat for code. */
export const DEFAULT_FORMATS: readonly ScoreFormat[] = ['tif', 'npy', 'mat'];

/** Named bytes (file name → bytes) and the names by role, as report/detect.ts collects them. */
export interface NamedFiles {
  names: Record<string, string>;
  bytes: Record<string, Uint8Array | string>;
}

/** The score map of `cube`'s scene in each of `formats`, added to `out`. */
export function addScoreFiles(out: NamedFiles, cube: Cube, scores: Float32Array, formats: readonly ScoreFormat[]): void {
  const { rows, cols } = cube;
  const description = `anomaly scores of ${cube.name ?? 'a scene'} (hsi-gpu)`;
  const geo = cube.geo;
  for (const f of SCORE_FORMATS.filter((x) => formats.includes(x))) {
    if (f === 'tif') {
      out.names.scoresTif = 'scores.tif';
      out.bytes['scores.tif'] = writeTiff(scores, rows, cols, 1, { geo: geo?.tiff ?? tiffTagsFromEnvi(geo?.envi, geo?.epsg), description });
    } else if (f === 'envi') {
      const { hdr, img } = writeEnvi(scores, rows, cols, 1, { geo: geo?.envi ?? enviFromTiffTags(geo?.tiff, geo?.epsg), description, bandNames: ['anomaly score'] });
      Object.assign(out.names, { scoresEnvi: 'scores.hdr', scoresEnviData: 'scores.img' });
      Object.assign(out.bytes, { 'scores.hdr': hdr, 'scores.img': img });
    } else if (f === 'npy') {
      out.names.scoresNpy = 'scores.npy';
      out.bytes['scores.npy'] = writeNpy(scores, [rows, cols]);
    } else {
      out.names.scoresMat = 'scores.mat';
      out.bytes['scores.mat'] = writeMat([mapVariable('scores', { rows, cols, data: scores }, 'single')], { compress: true });
    }
  }
}

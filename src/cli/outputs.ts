/**
 * What `hsi detect` writes to its output folder: the files report/detect.ts makes (scores in
 * the --format formats, pictures, the detection map at --far, ROC), then summary.json last, so
 * a folder with a summary is always complete. Also the two flags that choose them.
 */
import path from 'node:path';
import { DEFAULT_FAR, DEFAULT_FORMATS, detectionFiles, SCORE_FORMATS, type DetectionFileOptions, type DetectionResult, type ScoreFormat } from '../report/detect.ts';
import { UsageError, writeAtomic } from './common.ts';

export { scoreResult, type DetectionResult } from '../report/detect.ts';

/** parseArgs declarations of the output flags. */
export const outputFlags = { format: { type: 'string' }, far: { type: 'string' } } as const;

/** Help lines for the output flags (for a command's usage text). */
export const outputHelp = `--format F[,F…]  score files to write: ${SCORE_FORMATS.join(', ')} (default ${DEFAULT_FORMATS.join(',')};
                 tif is a float32 GeoTIFF, envi a .hdr + .img, both keep the input's georeference)
--far RATE       false-alarm rate of detections.png, a threshold from the scores alone (default ${DEFAULT_FAR})`;

/** The output options from parsed flags; a bad value is a usage error naming the flag. */
export function outputOptions(values: { format?: string; far?: string }): DetectionFileOptions {
  const opts: DetectionFileOptions = {};
  if (values.format !== undefined) {
    const items = values.format.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const bad = items.filter((s) => !(SCORE_FORMATS as readonly string[]).includes(s));
    if (items.length === 0 || bad.length) throw new UsageError(`--format: expected a comma list of ${SCORE_FORMATS.join(', ')}, got '${values.format}'`);
    opts.formats = [...new Set(items)] as ScoreFormat[];
  }
  if (values.far !== undefined) {
    const far = Number(values.far);
    if (values.far.trim() === '' || !(far > 0 && far < 1)) throw new UsageError(`--far: expected a rate in (0, 1) such as 1e-3, got '${values.far}'`);
    opts.far = far;
  }
  return opts;
}

/** Writes named output bytes to `dir`, each atomically. */
export async function writeFiles(dir: string, bytes: Record<string, Uint8Array | string>): Promise<void> {
  for (const [name, b] of Object.entries(bytes)) await writeAtomic(path.join(dir, name), b);
}

/** Writes every output but the summary; returns the file names (relative to `dir`). */
export async function writeOutputs(dir: string, r: DetectionResult, opts: DetectionFileOptions = {}): Promise<Record<string, string>> {
  const { names, bytes } = detectionFiles(r, opts);
  await writeFiles(dir, bytes);
  return names;
}

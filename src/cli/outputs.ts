/**
 * What `hsi detect` writes to its output folder: the files report/detect.ts makes (scores,
 * pictures, ROC), then summary.json last, so a folder with a summary is always complete.
 */
import path from 'node:path';
import { detectionFiles, type DetectionResult } from '../report/detect.ts';
import { writeAtomic } from './common.ts';

export { scoreResult, type DetectionResult } from '../report/detect.ts';

/** Writes named output bytes to `dir`, each atomically. */
export async function writeFiles(dir: string, bytes: Record<string, Uint8Array | string>): Promise<void> {
  for (const [name, b] of Object.entries(bytes)) await writeAtomic(path.join(dir, name), b);
}

/** Writes every output but the summary; returns the file names (relative to `dir`). */
export async function writeOutputs(dir: string, r: DetectionResult): Promise<Record<string, string>> {
  const { names, bytes } = detectionFiles(r);
  await writeFiles(dir, bytes);
  return names;
}

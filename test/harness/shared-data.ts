/**
 * The real scenes of ../shared/data (see its README) for tests, in Node and in Chromium. Node reads
 * them from the file system (tests run from the repository root); the browser fetches them from
 * the test server, which serves that folder read-only under /shared-data/ (scripts/chromium.mjs).
 * Where the folder is absent the tests that need it skip with one clear line instead of failing.
 */
import { readFileBytes } from '#platform';

const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';
const skipped = new Set<string>();

/** The bytes of `rel` (e.g. 'had/HYDICE-II.mat') under ../shared/data, or null when absent. */
export async function sharedData(rel: string): Promise<Uint8Array | null> {
  try {
    if (inBrowser) {
      const r = await fetch(`/shared-data/${rel}`);
      return r.ok ? new Uint8Array(await r.arrayBuffer()) : null;
    }
    return await readFileBytes(`../shared/data/${rel}`);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' || inBrowser) return null;
    throw e;
  }
}

/** Logs once per file that a test skipped because the shared file is absent. */
export function skipMissing(test: string, rel: string): void {
  if (skipped.has(`${test}|${rel}`)) return;
  skipped.add(`${test}|${rel}`);
  console.log(`\n  SKIP ${test}: ../shared/data/${rel} is absent (the shared scenes are not on this machine)`);
}

/** Every shared file the reader tests cover, relative to ../shared/data. */
export const SHARED_MAT_FILES = [
  'clust/Indian_pines_subset85x70.mat', 'clust/SalinasA_corrected.mat', 'clust/SalinasA_gt.mat',
  'clust/muufl_class_demo_struct.mat', 'clust/paviaU_subimg50.mat',
  'had/HYDICE-II.mat', 'had/HYDICE_urban_162band.mat', 'had/Pavia.mat', 'had/Sandiego.mat', 'had/Sandiego_v73.mat',
  'had/abu-airport-2.mat', 'had/abu-beach-2.mat', 'had/abu-urban-1.mat', 'had/muufl_tgt_det_demo.mat',
];

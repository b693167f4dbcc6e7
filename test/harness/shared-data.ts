/**
 * The real scenes of ../shared/data (see its README) for tests, in Node and in Chromium. Node reads
 * them from the file system (tests run from the repository root); the browser fetches them from
 * the test server, which serves that folder read-only under /shared-data/ (scripts/chromium.mjs).
 * An absent file is a failure that says where the data belongs, unless HSI_ALLOW_MISSING_DATA=1
 * turns it into a counted skip (skip.ts). In the browser only a file the server reports absent
 * (404 with `x-hsi-missing: 1`) is missing: any other fetch failure (a wrong route, a server
 * error) is an error, never a skip.
 */
import { readFileBytes } from '#platform';
import { skip } from './skip.ts';

const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

/** The bytes of `rel` (e.g. 'had/HYDICE-II.mat') under ../shared/data, or null when absent. */
export async function sharedData(rel: string): Promise<Uint8Array | null> {
  if (inBrowser) {
    const r = await fetch(`/shared-data/${rel}`);
    if (r.ok) return new Uint8Array(await r.arrayBuffer());
    if (r.status === 404 && r.headers.get('x-hsi-missing') === '1') return null;
    throw new Error(`shared data: GET /shared-data/${rel}: expected the file or a 404 marked missing, got HTTP ${r.status} ${r.statusText}`);
  }
  try {
    return await readFileBytes(`../shared/data/${rel}`);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Marks the running test skipped because `rel` is absent (call it, then return), or fails it
 * with where the data belongs when HSI_ALLOW_MISSING_DATA=1 is not set.
 */
export function skipMissing(test: string, rel: string): void {
  skip('shared-data', `${test}: ../shared/data/${rel} is absent`);
}

/** Every shared file the reader tests cover, relative to ../shared/data. */
export const SHARED_MAT_FILES = [
  'clust/Indian_pines_subset85x70.mat', 'clust/SalinasA_corrected.mat', 'clust/SalinasA_gt.mat',
  'clust/muufl_class_demo_struct.mat', 'clust/paviaU_subimg50.mat',
  'had/HYDICE-II.mat', 'had/HYDICE_urban_162band.mat', 'had/Pavia.mat', 'had/Sandiego.mat', 'had/Sandiego_v73.mat',
  'had/abu-airport-2.mat', 'had/abu-beach-2.mat', 'had/abu-urban-1.mat', 'had/muufl_tgt_det_demo.mat',
];

/**
 * SLIC superpixels with scikit-image semantics, computed in WebAssembly (assembly/slic.ts).
 * Super-AD precomputes its superpixels with skimage.segmentation.slic on a false-colour
 * composite of 0-based bands [54, 34, 14] in CIE-Lab, n_segments 100, compactness 0.01,
 * max_num_iter 1000 and skimage's defaults otherwise (docs/superad.md#superpixels); those are
 * the defaults here.
 */
import { countNonFinite, DataError, type Cube, type LabelMap } from './cube.ts';
import { withWasm } from './wasm.ts';

export interface SlicOptions {
  /** 0-based bands used as R, G, B of the composite. */
  bands: [number, number, number];
  /** Seeds requested on skimage's regular grid; the result has about as many superpixels. */
  nSegments: number;
  /** Weight of space against colour: larger gives squarer superpixels. */
  compactness: number;
  /** k-means rounds; every round runs (skimage never stops early without a mask). */
  maxIter: number;
  /** Relabel 4-connected components, merging small ones (skimage's default). */
  enforceConnectivity: boolean;
  /** Components under minSizeFactor·(pixels/seeds) join a neighbour. */
  minSizeFactor: number;
  /** Components are cut at maxSizeFactor·(pixels/seeds) pixels. */
  maxSizeFactor: number;
  /** First label: 0 or 1 (Super-AD's `segs1` starts at 1). */
  startLabel: 0 | 1;
}

/** Super-AD's settings (slic_viz.ipynb with scikit-image 0.24 defaults). */
export const superAdSlic: Readonly<SlicOptions> = Object.freeze({
  bands: [54, 34, 14] as [number, number, number],
  nSegments: 100,
  compactness: 0.01,
  maxIter: 1000,
  enforceConnectivity: true,
  minSizeFactor: 0.5,
  maxSizeFactor: 3,
  startLabel: 1 as const,
});

function checkOptions(source: string, cube: Cube, o: SlicOptions): void {
  const bad = (what: string, expected: string, got: unknown): never => {
    throw new DataError(source, `slic: ${what}: expected ${expected}, got ${String(got)}`);
  };
  if (o.bands.length !== 3 || o.bands.some((b) => !Number.isInteger(b) || b < 0 || b >= cube.bands)) {
    bad('bands', `3 band indices in 0..${cube.bands - 1}`, `[${o.bands.join(', ')}]`);
  }
  if (!Number.isInteger(o.nSegments) || o.nSegments < 1 || o.nSegments > 0x7fffffff) bad('nSegments', 'a positive integer', o.nSegments);
  if (!(o.compactness > 0) || !Number.isFinite(o.compactness)) bad('compactness', 'a positive number', o.compactness);
  if (!Number.isInteger(o.maxIter) || o.maxIter < 0 || o.maxIter > 0x7fffffff) bad('maxIter', 'an integer ≥ 0', o.maxIter);
  if (!(o.minSizeFactor >= 0) || !Number.isFinite(o.minSizeFactor)) bad('minSizeFactor', 'a number ≥ 0', o.minSizeFactor);
  if (!(o.maxSizeFactor > 0) || !Number.isFinite(o.maxSizeFactor)) bad('maxSizeFactor', 'a positive number', o.maxSizeFactor);
  if (o.startLabel !== 0 && o.startLabel !== 1) bad('startLabel', '0 or 1', o.startLabel);
}

/**
 * Superpixel labels of `cube` (rows×cols, row-major, from `startLabel`). With
 * enforceConnectivity every label is one 4-connected region (except that skimage lets a small
 * region in the top-left corner share the next label), and there are about nSegments labels.
 * Throws a DataError on bad options or NaN/Inf values in the three composite bands.
 */
export async function slic(cube: Cube, options: Partial<SlicOptions> = {}): Promise<LabelMap> {
  const source = cube.name ?? 'cube';
  const o: SlicOptions = { ...superAdSlic, ...options };
  checkOptions(source, cube, o);
  const plane = cube.rows * cube.cols;
  for (const b of o.bands) {
    const bad = countNonFinite(cube.data.subarray(b * plane, (b + 1) * plane));
    if (bad > 0) throw new DataError(source, `slic: ${bad} NaN/Inf values in band ${b}`, "fill them first with handleNonFinite(cube, 'zero' | 'band-mean')");
  }
  const data = await withWasm((w) => {
    const lab = w.slicLab(cube.data, cube.rows, cube.cols, cube.bands, o.bands[0], o.bands[1], o.bands[2]);
    return w.slicSegments(lab, cube.rows, cube.cols, o.nSegments, o.compactness, o.maxIter,
      o.enforceConnectivity ? 1 : 0, o.minSizeFactor, o.maxSizeFactor, o.startLabel);
  });
  return { rows: cube.rows, cols: cube.cols, data, name: `${source}:slic` };
}

/** The CIE-Lab composite slic works on: pixel-interleaved L, a, b (rows×cols×3), for inspection. */
export async function slicComposite(cube: Cube, bands: [number, number, number] = superAdSlic.bands): Promise<Float64Array> {
  checkOptions(cube.name ?? 'cube', cube, { ...superAdSlic, bands });
  return withWasm((w) => w.slicLab(cube.data, cube.rows, cube.cols, cube.bands, bands[0], bands[1], bands[2]));
}

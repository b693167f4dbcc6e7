/**
 * Min–max scaling and z-scores of a cube, computed in WebAssembly (assembly/scale.ts) with f64
 * arithmetic. Super-AD scales the whole cube by one global min and max
 * (docs/superad.md#scaling); the clustering pipelines use per-band z-scores.
 */
import { DataError, type Cube } from './cube.ts';
import { withWasm } from './wasm.ts';

/** 'global-minmax': (x − min)/(max − min) over the whole cube; 'band-minmax' and 'zscore' per band. */
export type ScaleMode = 'global-minmax' | 'band-minmax' | 'zscore';

const MODES: Record<ScaleMode, number> = { 'global-minmax': 0, 'band-minmax': 1, zscore: 2 };

export interface Scaled {
  /** Same shape, name and wavelengths as the input; new data. */
  cube: Cube;
  /**
   * Bands that were constant (for 'global-minmax': every band when the whole cube is); they
   * are set to 0 rather than NaN.
   */
  constant: number[];
}

/**
 * Scales `cube` by `mode`. The z-score uses the population standard deviation (divisor N).
 * Throws a DataError naming the cube on NaN/Inf values (fill them first with handleNonFinite).
 */
export async function scaleCube(cube: Cube, mode: ScaleMode): Promise<Scaled> {
  const source = cube.name ?? 'cube';
  if (!(mode in MODES)) {
    throw new DataError(source, `scale mode: expected 'global-minmax', 'band-minmax' or 'zscore', got ${String(mode)}`);
  }
  // One wasm pass finds the ranges and counts NaN/Inf; the cube is scaled only when there are none.
  const { data, params } = await withWasm((w) => {
    const p = w.scaleParams(cube.data, cube.bands, MODES[mode]);
    return { params: p, data: p[2 * cube.bands] > 0 ? null : w.scaleApply(cube.data, cube.bands, p) };
  });
  if (!data) {
    throw new DataError(source, `scale: ${params[2 * cube.bands]} NaN/Inf values in the cube`, "fill them first with handleNonFinite(cube, 'zero' | 'band-mean')");
  }
  const constant: number[] = [];
  for (let b = 0; b < cube.bands; b++) if (params[2 * b + 1] === 0) constant.push(b);
  return { cube: { ...cube, data }, constant };
}

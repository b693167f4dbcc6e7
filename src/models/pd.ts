/**
 * Pixel-shuffle down-sampling (PD), as PDBSNet uses it against the blind spot's weak point: a
 * blind spot hides one pixel, so an anomaly two or three pixels wide is predicted from its own
 * other pixels and scores low. PD with factor f splits the scene into f² sub-images of every
 * f-th pixel (sub-image (i, j) holds pixels (i + f·r, j + f·c)), so the neighbours a network sees
 * in a sub-image are f pixels apart in the scene and a small object shrinks to one pixel.
 * Rows and columns are reflect-padded up to a multiple of f so the sub-images stack as one batch;
 * merging takes back only real pixels, each exactly once.
 */
import type { Cube } from '../data/cube.ts';

/** Reflection without edge duplication (numpy 'reflect') of index i into [0, n). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

export interface PdCube {
  factor: number;
  /** The scene's size. */
  rows: number;
  cols: number;
  bands: number;
  /** Each sub-image's size: ⌈rows / f⌉ × ⌈cols / f⌉. */
  subRows: number;
  subCols: number;
  /** [f², bands, subRows, subCols]; sub-image k = i·f + j. */
  data: Float32Array;
}

/** The f² sub-images of `cube`, stacked as a batch. */
export function pdSplit(cube: Cube, f: number): PdCube {
  const { rows, cols, bands } = cube;
  const [h, w] = [Math.ceil(rows / f), Math.ceil(cols / f)];
  const data = new Float32Array(f * f * bands * h * w);
  const srcCol = Int32Array.from({ length: f * w }, (_, t) => reflectIndex((t % f) + f * Math.floor(t / f), cols));
  let o = 0;
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < f; j++) {
      for (let b = 0; b < bands; b++) {
        for (let r = 0; r < h; r++) {
          const row = (b * rows + reflectIndex(i + f * r, rows)) * cols;
          for (let c = 0; c < w; c++) data[o++] = cube.data[row + srcCol[c * f + j]];
        }
      }
    }
  }
  return { factor: f, rows, cols, bands, subRows: h, subCols: w, data };
}

/** Sub-image k of a PD cube as a cube of its own. */
export function pdPart(pd: PdCube, k: number): Cube {
  const n = pd.bands * pd.subRows * pd.subCols;
  return { rows: pd.subRows, cols: pd.subCols, bands: pd.bands, data: pd.data.subarray(k * n, (k + 1) * n) };
}

/** Per-pixel values of the f² sub-images (each subRows × subCols) back in scene order, rows × cols. */
export function pdMerge(parts: Float32Array[], pd: Pick<PdCube, 'factor' | 'rows' | 'cols' | 'subRows' | 'subCols'>): Float32Array {
  const { factor: f, rows, cols, subRows: h, subCols: w } = pd;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < f; j++) {
      const part = parts[i * f + j];
      for (let r = 0; i + f * r < rows && r < h; r++) {
        for (let c = 0; j + f * c < cols && c < w; c++) out[(i + f * r) * cols + j + f * c] = part[r * w + c];
      }
    }
  }
  return out;
}

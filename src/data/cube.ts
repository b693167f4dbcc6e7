/**
 * The in-memory forms every reader produces and every model consumes.
 *
 * Cube layout: band-sequential, row-major within a band: value (band b, row r, col c) is
 * `data[(b * rows + r) * cols + c]`. This is C×H×W, so a cube uploads as a [1, C, H, W]
 * tensor without a transpose; per-pixel work (RX, PCA, k-means) reads a band as one stride.
 * Label / anomaly maps are row-major `Int32Array`s of rows × cols.
 */
import { HsiError, OptionError } from '../errors.ts';
import type { GeoReference } from './geo.ts';

export interface Cube {
  rows: number;
  cols: number;
  bands: number;
  /** bands × rows × cols, band-sequential (see the file comment). */
  data: Float32Array;
  /** Centre wavelength per band (nm, as the file gives it), when known. */
  wavelengths?: number[];
  /** Where it came from: file and variable (`Sandiego.mat:data`). */
  name?: string;
  /** Where it lies on the ground (GeoTIFF tags or ENVI map info), when the file says. */
  geo?: GeoReference;
}

export interface LabelMap {
  rows: number;
  cols: number;
  /** rows × cols, row-major. */
  data: Int32Array;
  name?: string;
}

/** A problem with the input data: names the source, what is wrong and the way out. */
export class DataError extends HsiError {
  constructor(source: string, problem: string, fix?: string) {
    super(source, `${problem}${fix ? `; ${fix}` : ''}`);
  }
}

const checkDim = (source: string, what: string, n: number): void => {
  if (!Number.isSafeInteger(n) || n < 1) throw new DataError(source, `${what}: expected a positive integer, got ${n}`);
};

/** A cube after checking that its sizes and data agree. */
export function makeCube(source: string, rows: number, cols: number, bands: number, data: Float32Array, extra: Partial<Cube> = {}): Cube {
  checkDim(source, 'rows', rows);
  checkDim(source, 'cols', cols);
  checkDim(source, 'bands', bands);
  if (data.length !== rows * cols * bands) {
    throw new DataError(source, `data: expected ${rows}×${cols}×${bands} = ${rows * cols * bands} values, got ${data.length}`);
  }
  if (extra.wavelengths && extra.wavelengths.length !== bands) {
    throw new DataError(source, `wavelengths: expected ${bands}, got ${extra.wavelengths.length}`, 'fix or drop the wavelength list');
  }
  return { name: source, ...extra, rows, cols, bands, data };
}

/**
 * A reader's bytes argument as a Uint8Array; a path or anything else is refused naming the
 * Node reader that takes a path (`fileReader`), since a string here is the usual slip.
 */
export function byteInput(op: string, input: unknown, fileReader?: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  const got = typeof input === 'string' ? `a string (${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)})` : input === null ? 'null' : typeof input === 'object' ? (input.constructor?.name ?? 'an object') : typeof input;
  const fix = typeof input === 'string' && fileReader ? `; to read a file by its path use ${fileReader}(path) (Node)` : '';
  throw new OptionError(op, `bytes: expected a Uint8Array or ArrayBuffer with the file's contents, got ${got}${fix}`);
}

/** Counts NaN and ±Inf values. */
export function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) n++;
  return n;
}

export type NonFinitePolicy = 'error' | 'zero' | 'band-mean';

/**
 * Refuses NaN/Inf (the default), or replaces them in place: 'zero', or 'band-mean' (the mean
 * of the band's finite values, 0 when it has none). Returns how many were replaced.
 */
export function handleNonFinite(cube: Cube, policy: NonFinitePolicy = 'error'): number {
  const bad = countNonFinite(cube.data);
  if (bad === 0) return 0;
  if (policy === 'error') {
    throw new DataError(cube.name ?? 'cube', `${bad} NaN/Inf values in the cube`, "pass nonFinite: 'zero' or 'band-mean' to fill them");
  }
  const plane = cube.rows * cube.cols;
  for (let b = 0; b < cube.bands; b++) {
    const band = cube.data.subarray(b * plane, (b + 1) * plane);
    let fill = 0;
    if (policy === 'band-mean') {
      let sum = 0;
      let n = 0;
      for (const v of band) if (Number.isFinite(v)) (sum += v), n++;
      fill = n > 0 ? sum / n : 0;
    }
    for (let i = 0; i < plane; i++) if (!Number.isFinite(band[i])) band[i] = fill;
  }
  return bad;
}

/** Indices of bands whose values are all equal (they carry no information and break z-scores). */
export function constantBands(cube: Cube): number[] {
  const plane = cube.rows * cube.cols;
  const out: number[] = [];
  for (let b = 0; b < cube.bands; b++) {
    const band = cube.data.subarray(b * plane, (b + 1) * plane);
    if (band.every((v) => v === band[0])) out.push(b);
  }
  return out;
}

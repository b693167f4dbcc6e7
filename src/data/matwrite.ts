/**
 * MATLAB level-5 `.mat` writer for results: score maps, cubes and label maps as numeric
 * matrices (double, single, int32, uint8), plain or zlib-compressed (`miCOMPRESSED`, as
 * MATLAB's default `save` writes). Files load in MATLAB, Octave and scipy.io.loadmat.
 *
 * Layout (MathWorks, "MAT-File Format", level 5): a 128-byte header (116 bytes of text,
 * 8-byte subsystem offset, version 0x0100, endian indicator 'IM' for little-endian), then one
 * element per variable. A numeric variable is an `miMATRIX` element holding four
 * sub-elements: array flags (class), dimensions, name, real part in column-major order.
 * Every element is padded to 8 bytes; data of 4 bytes or less uses the packed small tag.
 */
import { zlibSync } from 'fflate';
import { DataError, type Cube, type LabelMap } from './cube.ts';

export type MatData = Float64Array | Float32Array | Int32Array | Uint8Array;

export interface MatVariable {
  /** A MATLAB name: a letter, then letters, digits or `_` (63 at most). */
  name: string;
  /** Dimensions as MATLAB shows them (at least 2; a vector is [n, 1] or [1, n]). */
  dims: number[];
  /** The values; the typed array picks the class: double, single, int32, uint8. */
  data: MatData;
  /**
   * 'row': `data` is in C order for `dims` (last index fastest, as numpy and our maps),
   * transposed on writing like scipy.io.savemat does; 'column': already MATLAB's order.
   */
  order?: 'row' | 'column';
}

export interface MatWriteOptions {
  /** zlib-compress each variable (default true, as MATLAB does). */
  compress?: boolean;
  /** Header text after 'MATLAB 5.0 MAT-file, ' (default names this library; no date, so output is reproducible). */
  description?: string;
}

// Data types (mi*) and array classes (mx*) of the format.
const MI = { INT8: 1, UINT8: 2, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, MATRIX: 14, COMPRESSED: 15 };
const CLASS = new Map<unknown, [mx: number, mi: number]>([
  [Float64Array, [6, MI.DOUBLE]], [Float32Array, [7, MI.SINGLE]], [Int32Array, [12, MI.INT32]], [Uint8Array, [9, MI.UINT8]],
]);

const pad8 = (n: number): number => (n + 7) & ~7;

/** One element: a tag then data, padded to 8 bytes; 1–4 data bytes use the small format. */
function element(type: number, data: Uint8Array): Uint8Array {
  if (data.length > 0 && data.length <= 4) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setUint32(0, (data.length << 16) | type, true);
    out.set(data, 4);
    return out;
  }
  const out = new Uint8Array(8 + pad8(data.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

/** C order (last index fastest) to column-major (first index fastest) for `dims`. */
function toColumnMajor(data: MatData, dims: number[]): MatData {
  if (dims.filter((d) => d > 1).length <= 1) return data; // a vector reads the same either way
  const out = new (data.constructor as { new (n: number): MatData })(data.length);
  const n = dims.length;
  const idx = new Array<number>(n).fill(0);
  const fStride = dims.map((_, k) => dims.slice(0, k).reduce((p, d) => p * d, 1));
  let f = 0;
  for (let i = 0; i < data.length; i++) {
    out[f] = data[i];
    for (let k = n - 1; k >= 0; k--) {
      idx[k]++;
      f += fStride[k];
      if (idx[k] < dims[k]) break;
      f -= fStride[k] * dims[k];
      idx[k] = 0;
    }
  }
  return out;
}

function checkVariable(v: MatVariable, source: string): [number, number] {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(v.name)) {
    throw new DataError(source, `variable name: expected a letter then letters, digits or _ (63 at most), got ${JSON.stringify(v.name)}`, 'rename the variable');
  }
  const cls = CLASS.get(v.data?.constructor);
  if (!cls) throw new DataError(source, `${v.name}: expected Float64Array, Float32Array, Int32Array or Uint8Array data, got ${v.data?.constructor?.name}`);
  const count = v.dims.reduce((p, d) => p * d, 1);
  if (v.dims.length < 2 || v.dims.some((d) => !Number.isSafeInteger(d) || d < 0 || d > 0x7fffffff) || count !== v.data.length) {
    throw new DataError(source, `${v.name} dims: expected 2 or more sizes whose product is ${v.data.length}, got [${v.dims.join(', ')}]`, 'a vector is [n, 1]');
  }
  return cls;
}

/** The `miMATRIX` element of one numeric variable. */
function matrixElement(v: MatVariable, source: string): Uint8Array {
  const [mx, mi] = checkVariable(v, source);
  const flags = new Uint8Array(8);
  new DataView(flags.buffer).setUint32(0, mx, true); // no complex/global/logical bits
  const dims = new Uint8Array(Int32Array.from(v.dims).buffer);
  const name = Uint8Array.from(v.name, (ch) => ch.charCodeAt(0));
  const values = v.order === 'column' ? v.data : toColumnMajor(v.data, v.dims);
  const real = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (real.length > 0xffffffff - 64) {
    throw new DataError(source, `${v.name}: ${real.length} bytes of data, more than a level-5 element holds (4 GiB)`, 'write it in parts or as single precision');
  }
  const body = concat([element(MI.UINT32, flags), element(MI.INT32, dims), element(MI.INT8, name), element(mi, real)]);
  const out = new Uint8Array(8 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MI.MATRIX, true);
  view.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function header(description: string): Uint8Array {
  const out = new Uint8Array(128).fill(0x20);
  const text = `MATLAB 5.0 MAT-file, ${description}`.slice(0, 116);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  out.fill(0, 116, 124); // no subsystem data
  out.set([0x00, 0x01, 0x49, 0x4d], 124); // version 0x0100 and 'IM', both as little-endian uint16
  return out;
}

/** A level-5 `.mat` file holding `variables`. */
export function writeMat(variables: MatVariable[], opts: MatWriteOptions = {}, source = 'out.mat'): Uint8Array<ArrayBuffer> {
  const seen = new Set<string>();
  const parts = [header(opts.description ?? 'written by hsi-gpu')];
  for (const v of variables) {
    if (seen.has(v.name)) throw new DataError(source, `variable ${v.name}: expected unique names, got it twice`, 'rename one of them');
    seen.add(v.name);
    const matrix = matrixElement(v, source);
    if (opts.compress === false) {
      parts.push(matrix);
      continue;
    }
    // miCOMPRESSED holds the zlib stream of the whole miMATRIX element; it is not padded.
    const z = zlibSync(matrix, { level: 6 });
    const tag = new Uint8Array(8);
    new DataView(tag.buffer).setUint32(0, MI.COMPRESSED, true);
    new DataView(tag.buffer).setUint32(4, z.length, true);
    parts.push(tag, z);
  }
  return concat(parts);
}

/** A cube as MATLAB's usual rows × cols × bands single (or double) variable. */
export function cubeVariable(name: string, cube: Cube, precision: 'single' | 'double' = 'single'): MatVariable {
  const { rows, cols, bands } = cube;
  const plane = rows * cols;
  const data = precision === 'single' ? new Float32Array(plane * bands) : new Float64Array(plane * bands);
  // Ours is (b, r, c) with c fastest; MATLAB's column-major (r, c, b) has r fastest.
  for (let b = 0; b < bands; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) data[b * plane + c * rows + r] = cube.data[(b * rows + r) * cols + c];
    }
  }
  return { name, dims: [rows, cols, bands], data, order: 'column' };
}

/** A rows × cols map (scores or labels, row-major) as a variable of the given class. */
export function mapVariable(name: string, map: LabelMap | { rows: number; cols: number; data: ArrayLike<number> }, cls: 'double' | 'single' | 'int32' | 'uint8' = 'double'): MatVariable {
  const Type = { double: Float64Array, single: Float32Array, int32: Int32Array, uint8: Uint8Array }[cls];
  return { name, dims: [map.rows, map.cols], data: Type.from(map.data), order: 'row' };
}

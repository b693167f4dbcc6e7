/**
 * NumPy `.npy` files: read (format versions 1, 2 and 3; little- and big-endian; C and Fortran
 * order) and write (version 1, little-endian, C order, exactly as `numpy.save` lays it out).
 *
 * Format (numpy/lib/format.py, NEP 1): magic `\x93NUMPY`, major and minor version bytes, the
 * header length (uint16 in v1, uint32 in v2/v3, little-endian), then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and a
 * newline so the data starts on a 64-byte boundary, then the raw values.
 */
import { byteInput, DataError, makeCube, type Cube } from './cube.ts';

/** The typed arrays a `.npy` file reads into (values keep their stored type). */
export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NpyArray {
  /** The dtype without its byte-order character: f4, f8, i1, u1, b1, i2, u2, i4, u4. */
  dtype: string;
  shape: number[];
  /** Values in C (row-major) order, whatever order the file used; b1 reads as 0/1 bytes. */
  data: NpyData;
}

type Ctor = { new (n: number): NpyData; BYTES_PER_ELEMENT: number };
const DTYPES: Record<string, Ctor> = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, b1: Uint8Array,
  i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array,
};
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const fail = (source: string, problem: string, fix?: string): never => {
  throw new DataError(source, problem, fix);
};

/** Reads the header dict: only the three keys numpy writes, with Python literal syntax. */
function parseHeader(text: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(source, `npy header: expected a dict with 'descr', 'fortran_order' and 'shape', got ${JSON.stringify(text.slice(0, 120))}`, 'the file is not a plain-array .npy (structured dtypes are not supported)');
  }
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(source, `npy header 'shape': expected non-negative integers, got (${shapeText})`);
  return { descr: descr!, fortran: fortran === 'True', shape };
}

/** Reads a `.npy` file's array. */
export function readNpy(bytes: Uint8Array | ArrayBuffer, source = 'array.npy'): NpyArray {
  const b = byteInput('readNpy', bytes);
  if (b.length < 10 || MAGIC.some((m, i) => b[i] !== m)) {
    fail(source, `npy magic: expected \\x93NUMPY, got ${JSON.stringify(String.fromCharCode(...b.subarray(0, 6)))}`, 'pass a file written by numpy.save');
  }
  const major = b[6];
  if (major < 1 || major > 3) fail(source, `npy version: expected 1, 2 or 3, got ${major}.${b[7]}`, 'save it again with a current numpy');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : b.length >= 12 ? view.getUint32(8, true) : -1;
  const start = 8 + lenBytes + headerLen;
  if (headerLen < 0 || start > b.length) fail(source, `npy header: expected ${headerLen} bytes, got ${b.length - 8 - lenBytes}`, 'the file is truncated');
  const { descr, fortran, shape } = parseHeader(new TextDecoder().decode(b.subarray(8 + lenBytes, start)), source);
  const order = descr[0];
  const dtype = descr.slice(1);
  const Type = DTYPES[dtype];
  if (!Type || !'<>|='.includes(order)) {
    fail(source, `npy dtype: expected one of ${Object.keys(DTYPES).join(', ')} (any byte order), got '${descr}'`, "convert it in numpy first, e.g. a.astype('<f4')");
  }
  const count = shape.reduce((p, d) => p * d, 1);
  const size = Type.BYTES_PER_ELEMENT;
  if (b.length - start < count * size) {
    fail(source, `npy data: expected ${count * size} bytes for shape (${shape.join(', ')}) of '${descr}', got ${b.length - start}`, 'the file is truncated');
  }
  const stored = new Type(count);
  const raw = new Uint8Array(stored.buffer);
  raw.set(b.subarray(start, start + count * size));
  if (order === '>' && size > 1) swapBytes(raw, size); // typed arrays are little-endian on every host we run on
  if (dtype === 'b1') for (let i = 0; i < count; i++) stored[i] = stored[i] ? 1 : 0;
  const data = fortran && shape.length > 1 ? fortranToC(stored, shape) : stored;
  return { dtype, shape, data };
}

function swapBytes(raw: Uint8Array, size: number): void {
  for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse();
}

/** Column-major (first index fastest) to row-major (last index fastest). */
function fortranToC(src: NpyData, shape: number[]): NpyData {
  const out = new (src.constructor as Ctor)(src.length);
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  // Walk the C order; keep the Fortran offset of the same index alongside.
  const fStride = shape.map((_, k) => shape.slice(0, k).reduce((p, d) => p * d, 1));
  let f = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[f];
    for (let k = n - 1; k >= 0; k--) {
      idx[k]++;
      f += fStride[k];
      if (idx[k] < shape[k]) break;
      f -= fStride[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

const DESCR = new Map<unknown, string>([
  [Float32Array, '<f4'], [Float64Array, '<f8'], [Int8Array, '|i1'], [Uint8Array, '|u1'],
  [Int16Array, '<i2'], [Uint16Array, '<u2'], [Int32Array, '<i4'], [Uint32Array, '<u4'],
]);

/** Writes `data` (C order) with `shape` as a version-1 `.npy` file, byte for byte as numpy.save does. */
export function writeNpy(data: NpyData, shape: number[], source = 'array.npy'): Uint8Array<ArrayBuffer> {
  const descr = DESCR.get(data.constructor);
  if (!descr) fail(source, `npy write: expected a float32/64 or (u)int8/16/32 typed array, got ${data?.constructor?.name}`);
  const count = shape.reduce((p, d) => p * d, 1);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || count !== data.length) {
    fail(source, `npy write shape: expected dimensions whose product is ${data.length}, got (${shape.join(', ')})`);
  }
  // Python's repr of a tuple: (n,) for one dimension, () for a scalar.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Pad with spaces so magic + version + length + dict + '\n' is a multiple of 64 bytes.
  dict += ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const out = new Uint8Array(10 + dict.length + data.byteLength);
  out.set(MAGIC);
  out.set([1, 0, dict.length & 0xff, dict.length >> 8], 6);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + dict.length);
  return out;
}

/**
 * A Cube from a 3-D array. `layout` names the axes: 'hwc' (rows, cols, bands: the usual
 * Python layout, the default) or 'chw' (bands, rows, cols: ours).
 */
export function npyToCube(arr: NpyArray, layout: 'hwc' | 'chw' = 'hwc', source = 'array.npy'): Cube {
  if (arr.shape.length !== 3) fail(source, `npy cube: expected a 3-D array, got shape (${arr.shape.join(', ')})`, 'reshape it to rows × cols × bands');
  const [d0, d1, d2] = arr.shape;
  if (layout === 'chw') return makeCube(source, d1, d2, d0, Float32Array.from(arr.data));
  const [rows, cols, bands] = [d0, d1, d2];
  const data = new Float32Array(rows * cols * bands);
  for (let p = 0; p < rows * cols; p++) for (let b = 0; b < bands; b++) data[b * rows * cols + p] = arr.data[p * bands + b];
  return makeCube(source, rows, cols, bands, data);
}

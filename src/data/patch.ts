/**
 * Reflect padding and patch extraction (WebAssembly, assembly/patch.ts) for the patch-based
 * methods: BS3LNet's 19×19 patch per pixel (docs/bs3lnet.md#presets) and SSCC's 11×11 patches
 * of the labelled pixels (docs/sscc.md#preprocessing). Reflection is numpy's 'reflect' /
 * torch's ReflectionPad2d: the edge is not repeated, and a pad as large as the image is refused.
 */
import { DataError, type Cube, type LabelMap } from './cube.ts';
import { withWasm } from './wasm.ts';

/** Square patches [count, bands, size, size], row-major inside a band. */
export interface Patches {
  count: number;
  bands: number;
  size: number;
  data: Float32Array;
  /** The pixel (row·cols + col) each patch is centred on, when it came from extractPatches. */
  centres?: Int32Array;
}

/** The most values one wasm call returns (1 GiB of float32); larger jobs go in batches. */
export const MAX_VALUES = 2 ** 28;

function checkCube(op: string, cube: Cube): void {
  const { rows, cols, bands, data } = cube;
  if (![rows, cols, bands].every((n) => Number.isSafeInteger(n) && n > 0) || data.length !== rows * cols * bands) {
    throw new DataError(op, `cube: expected ${rows}×${cols}×${bands} = ${rows * cols * bands} values, got ${data.length}`, 'build the cube with makeCube');
  }
}

/** Pads every band of `cube` by `pad` pixels on each side with reflection (edge not repeated). */
export async function reflectPad(cube: Cube, pad: number): Promise<Cube> {
  checkCube('reflectPad', cube);
  const limit = Math.min(cube.rows, cube.cols);
  if (!Number.isInteger(pad) || pad < 0 || pad >= limit) {
    throw new DataError('reflectPad', `pad: expected an integer 0 ≤ pad < min(rows, cols) = ${limit}, got ${pad}`, 'reflection cannot pad by the image size or more');
  }
  const rows = cube.rows + 2 * pad;
  const cols = cube.cols + 2 * pad;
  checkSize('reflectPad', cube.bands * rows * cols, 'pad a spatial tile at a time');
  const data = await withWasm((w) => w.reflectPad(cube.data, cube.bands, cube.rows, cube.cols, pad));
  return { ...cube, rows, cols, data };
}

/**
 * Patches of odd `size` centred on `centres` (pixel indices row·cols + col, default: every pixel
 * in row-major order), reflected at the borders. Memory grows as count·bands·size²: for a whole
 * scene, pass the centres a batch at a time.
 */
export async function extractPatches(cube: Cube, size: number, centres?: ArrayLike<number>): Promise<Patches> {
  checkCube('extractPatches', cube);
  const limit = Math.min(cube.rows, cube.cols);
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0 || (size - 1) / 2 >= limit) {
    throw new DataError('extractPatches', `size: expected an odd integer with size/2 < min(rows, cols) = ${limit}, got ${size}`, 'use an odd patch size such as 11 or 19');
  }
  const pixels = cube.rows * cube.cols;
  const list = centres ?? Int32Array.from({ length: pixels }, (_, i) => i);
  for (let i = 0; i < list.length; i++) {
    if (!Number.isInteger(list[i]) || list[i] < 0 || list[i] >= pixels) {
      throw new DataError('extractPatches', `centres[${i}]: expected an integer pixel index in [0, ${pixels}), got ${list[i]}`);
    }
  }
  const ids = Int32Array.from(list);
  checkSize('extractPatches', ids.length * cube.bands * size * size, 'pass the centres in batches');
  const data = await withWasm((w) => w.extractPatches(cube.data, cube.bands, cube.rows, cube.cols, size, ids));
  return { count: ids.length, bands: cube.bands, size, data, centres: ids };
}

/** Pixels whose label is not 0, row-major: SSCC's `is_labeled` patch centres. */
export function labelledCentres(labels: LabelMap): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < labels.data.length; i++) if (labels.data[i] !== 0) out.push(i);
  return Int32Array.from(out);
}

/** Refuses a result larger than one wasm call may return. */
export function checkSize(op: string, values: number, fix: string): void {
  if (values > MAX_VALUES) throw new DataError(op, `output: expected at most ${MAX_VALUES} values, got ${values}`, fix);
}

/** Checks a generator seed: an integer in [0, 2^32). */
export function checkSeed(op: string, seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new DataError(op, `seed: expected an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
}

/**
 * The generator stream of each patch: `ids` when given, else the patch centres, else 0..N−1.
 * A patch keyed by its own id draws the same numbers whatever batch it travels in.
 */
export function streamIds(op: string, patches: Patches, ids?: ArrayLike<number>): Int32Array {
  const src = ids ?? patches.centres;
  if (src === undefined) return Int32Array.from({ length: patches.count }, (_, i) => i);
  if (src.length !== patches.count) {
    throw new DataError(op, `ids: expected one per patch (${patches.count}), got ${src.length}`);
  }
  for (let i = 0; i < src.length; i++) {
    if (!Number.isInteger(src[i]) || src[i] < 0 || src[i] > 0x7fffffff) {
      throw new DataError(op, `ids[${i}]: expected an integer in [0, 2^31), got ${src[i]}`);
    }
  }
  return Int32Array.from(src);
}

/** Checks that `patches` holds count·bands·size² values. */
export function checkPatches(op: string, p: Patches): void {
  if (![p.count, p.bands, p.size].every((n) => Number.isSafeInteger(n) && n > 0) || p.data.length !== p.count * p.bands * p.size * p.size) {
    throw new DataError(op, `patches: expected ${p.count}×${p.bands}×${p.size}×${p.size} values, got ${p.data.length}`);
  }
}

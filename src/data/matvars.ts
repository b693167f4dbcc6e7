/**
 * What the level-5 and v7.3 MATLAB readers share once a file is parsed: the variable list, the
 * numeric classes and how a stored type widens to its class, the column-major → cube/map layout
 * mapping (see cube.ts for our layouts) and the value statistics behind `hsi inspect`.
 */
import { DataError } from './cube.ts';

/** MATLAB classes as `whos` and scipy's `whosmat` name them. */
export type MatClass =
  | 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'logical' | 'char' | 'struct' | 'cell' | 'sparse' | 'object' | 'function' | 'opaque' | 'unknown';

/** cube: 3-D numeric; map: 2-D numeric with both sides > 1; numeric: other real numeric; other: listed only. */
export type MatKind = 'cube' | 'map' | 'numeric' | 'other';

/** One variable of a .mat file, as listed (nothing loaded). */
export interface MatVariable {
  name: string;
  /** MATLAB order: rows, cols, bands, … */
  dims: number[];
  class: MatClass;
  kind: MatKind;
  /** Complex numeric variables are listed as 'other': the readers take real data only. */
  complex?: boolean;
}

/** Stored values, column-major, in the stored type (widened to the class by classValues). */
export type StoredArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** A parsed variable; `stored()` decodes its values (numeric kinds only). */
export interface ParsedVariable extends MatVariable {
  stored?: () => StoredArray;
}

export const NUMERIC_CLASSES: ReadonlySet<MatClass> = new Set<MatClass>([
  'double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'logical',
]);

/**
 * The largest variable we decode, in values. A Float32Array of it is 2 GiB; beyond that
 * browsers and Node refuse or thrash, so the check runs before anything is allocated.
 */
export const MAX_VALUES = 2 ** 29;

/** The kind a variable gets from its class and dims. */
export function kindOf(cls: MatClass, dims: number[], complex = false): MatKind {
  if (!NUMERIC_CLASSES.has(cls) || complex) return 'other';
  if (dims.length === 3 && dims.every((d) => d > 0)) return 'cube';
  if (dims.length === 2 && dims[0] > 1 && dims[1] > 1) return 'map';
  return 'numeric';
}

/** Product of dims, refused before any allocation when it is beyond MAX_VALUES. */
export function checkedCount(source: string, name: string, dims: number[]): number {
  const n = dims.reduce((p, d) => p * d, 1);
  if (!(n <= MAX_VALUES)) {
    throw new DataError(`${source}:${name}`, `size: expected at most ${MAX_VALUES} values, got ${dims.join('×')} = ${n}`,
      'crop or subsample the scene in MATLAB (or save it as ENVI, which is read in chunks)');
  }
  return n;
}

/** `name dims class` lines for error messages that ask the user to pick a variable. */
export function listing(vars: MatVariable[]): string {
  return vars.map((v) => `${v.name} ${v.dims.join('×')} ${v.class}`).join(', ') || '(none)';
}

/** Values as JS numbers in the class (int64 via Number; a single class rounds to float32). */
export function classValues(v: MatVariable, a: StoredArray): ArrayLike<number> {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
    return v.class === 'single' ? Float32Array.from(out) : out;
  }
  if (v.class === 'single' && a instanceof Float64Array) return Float32Array.from(a);
  if (v.class === 'logical') return Uint8Array.from(a as ArrayLike<number>, (x) => (x !== 0 ? 1 : 0));
  return a;
}

function decoded(source: string, v: ParsedVariable): ArrayLike<number> {
  if (!v.stored) {
    throw new DataError(`${source}:${v.name}`, `class: expected a real numeric variable, got ${v.complex ? 'complex ' : ''}${v.class}`,
      'pick a numeric variable (see the list with hsi inspect), or convert it in MATLAB (e.g. double(real(x)))');
  }
  const vals = classValues(v, v.stored());
  const n = checkedCount(source, v.name, v.dims);
  if (vals.length !== n) {
    throw new DataError(`${source}:${v.name}`, `data: expected ${v.dims.join('×')} = ${n} values, got ${vals.length}`, 'the file is damaged; save it again');
  }
  return vals;
}

/** A 3-D variable in cube layout: band-sequential, row-major within a band. */
export function toCubeData(source: string, v: ParsedVariable): Float32Array {
  const [rows, cols, bands] = v.dims;
  const src = decoded(source, v);
  const out = new Float32Array(rows * cols * bands);
  // MATLAB (r, c, b) is at r + rows·(c + cols·b); ours at (b·rows + r)·cols + c.
  for (let b = 0; b < bands; b++) {
    const plane = b * rows * cols;
    for (let c = 0; c < cols; c++) {
      const col = plane + c * rows;
      for (let r = 0; r < rows; r++) out[plane + r * cols + c] = src[col + r];
    }
  }
  return out;
}

/** A 2-D variable row-major, in float64 (so integer labels stay exact). */
export function toMapData(source: string, v: ParsedVariable): Float64Array {
  const [rows, cols] = v.dims;
  const src = decoded(source, v);
  const out = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) out[r * cols + c] = src[c * rows + r];
  return out;
}

/** What `hsi inspect` shows for one variable. */
export interface MatVariableSummary extends MatVariable {
  min?: number;
  max?: number;
  nanCount?: number;
  infCount?: number;
}

/** Value range and non-finite counts of the numeric variables; others are listed as they are. */
export function summarize(source: string, vars: ParsedVariable[]): MatVariableSummary[] {
  return vars.map(({ stored, ...v }) => {
    if (!stored) return v;
    const vals = decoded(source, { ...v, stored });
    let min = Infinity;
    let max = -Infinity;
    let nanCount = 0;
    let infCount = 0;
    for (let i = 0; i < vals.length; i++) {
      const x = vals[i];
      if (Number.isNaN(x)) nanCount++;
      else if (!Number.isFinite(x)) infCount++;
      else (min = Math.min(min, x)), (max = Math.max(max, x));
    }
    return vals.length > nanCount + infCount ? { ...v, min, max, nanCount, infCount } : { ...v, nanCount, infCount };
  });
}

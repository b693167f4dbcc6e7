/**
 * MATLAB v7.3 MAT-files: HDF5 files behind a 512-byte user block that holds MATLAB's text header,
 * read with h5wasm (the HDF5 C library in WebAssembly; Node and browsers alike). Each variable is a
 * dataset (numeric, char, logical, cell as object references) or a group (struct) whose
 * `MATLAB_class` attribute names the class. HDF5 lists dimensions slowest-first, so a MATLAB
 * rows×cols×bands array (column-major) is a bands×cols×rows dataset over the same bytes: reversing
 * the dims gives MATLAB's order and the buffer is already column-major.
 */
import { DataError } from './cube.ts';
import { checkedCount, kindOf, NUMERIC_CLASSES, type MatClass, type ParsedVariable, type StoredArray } from './matvars.ts';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** How MATLAB stores each numeric class in a v7.3 file (HDF5 type class, size in bits). */
const STORAGE: Record<string, string> = {
  double: 'float64', single: 'float32', logical: 'uint8', int8: 'int8', uint8: 'uint8', int16: 'int16',
  uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64',
};

/** Offset of the HDF5 superblock (0 or one of the user-block sizes MATLAB uses), or -1. */
export function hdf5Offset(bytes: Uint8Array): number {
  for (const off of [0, 512, 1024, 2048]) {
    if (bytes.length >= off + 8 && HDF5_SIGNATURE.every((b, i) => bytes[off + i] === b)) return off;
  }
  return -1;
}

type H5 = typeof import('h5wasm');
let h5: Promise<H5> | null = null;
let fileCount = 0;

// Loaded on first use: the module carries ~4 MB of wasm that most callers never need. HDF5's
// error stack becomes a thrown error (turned into a DataError below) instead of text on stderr.
function loadH5(): Promise<H5> {
  return (h5 ??= import('h5wasm').then(async (m) => {
    (await m.ready).activate_throwing_error_handler();
    return m;
  }));
}

const damaged = 'the file is damaged or not a MATLAB v7.3 file; save it again with save -v7.3 (or -v7)';

/** Lists and (eagerly) reads the numeric variables of a v7.3 file. */
export async function parseV73(bytes: Uint8Array, source: string): Promise<ParsedVariable[]> {
  const m = await loadH5();
  const FS = m.FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  // h5wasm reads files from its in-memory file system: one private path per call.
  const path = `/hsi-mat-${++fileCount}.h5`;
  FS.writeFile(path, bytes);
  let file: InstanceType<H5['File']> | null = null;
  try {
    file = new m.File(path, 'r');
    const vars: ParsedVariable[] = [];
    // '#refs#' holds the targets of cell references, '#subsystem#' MATLAB's class metadata.
    for (const name of file.keys()) if (!name.startsWith('#')) vars.push(readVariable(m, file.get(name), name, source));
    return vars;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(source, `HDF5: ${hdf5Problem(String((e as Error)?.message ?? e))}`, damaged);
  } finally {
    try {
      file?.close();
    } catch {
      // a file HDF5 could not open has nothing to close
    }
    FS.unlink(path);
  }
}

/** The outermost and innermost lines of an HDF5 error stack ('H5Dread(): can't read data'). */
function hdf5Problem(stack: string): string {
  const lines = [...stack.matchAll(/ in (\w+\(\)): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  if (lines.length === 0) return stack.split('\n')[0];
  return lines.length === 1 ? lines[0] : `${lines[0]} (cause: ${lines[lines.length - 1]})`;
}

function classAttr(entity: { attrs: Record<string, { value: unknown }> }): string | null {
  const a = entity.attrs.MATLAB_class;
  const v = a?.value;
  return typeof v === 'string' ? v : null;
}

function readVariable(m: H5, entity: ReturnType<InstanceType<H5['File']>['get']>, name: string, source: string): ParsedVariable {
  if (!entity || !('attrs' in entity)) throw new DataError(`${source}:${name}`, 'expected a dataset or group, got a link HDF5 cannot follow', damaged);
  const cls = (classAttr(entity) ?? 'unknown') as MatClass;
  if (!(entity instanceof m.Dataset)) {
    // Groups: structs and objects; listed with MATLAB's 1×1.
    return { name, dims: [1, 1], class: cls, kind: 'other' };
  }
  const ds = entity;
  const shape = ds.shape ?? [];
  // Empty arrays store their dims as the data, with a MATLAB_empty attribute.
  if ('MATLAB_empty' in ds.attrs) return { name, dims: [0, 0], class: cls, kind: 'other' };
  const dims = shape.length === 1 ? [shape[0], 1] : [...shape].reverse();
  const meta = ds.metadata;
  const complex = meta.compound_type !== undefined;
  const v: ParsedVariable = { name, dims, class: cls, kind: kindOf(cls, dims, complex), ...(complex ? { complex } : {}) };
  if (!NUMERIC_CLASSES.has(cls) || complex) return v;
  const want = STORAGE[cls];
  const got = `${meta.type === 1 ? 'float' : meta.type === 0 ? (meta.signed ? 'int' : 'uint') : `HDF5 type class ${meta.type} `}${meta.size * 8}${meta.littleEndian ? '' : ' big-endian'}`;
  // MATLAB stores each class in its own little-endian type; anything else is a damaged or foreign file.
  if (got !== want) throw new DataError(`${source}:${name}`, `data type: expected ${want} for class ${cls}, got ${got}`, damaged);
  checkedCount(source, name, dims);
  const values = ds.value;
  if (!ArrayBuffer.isView(values) || values instanceof DataView) {
    throw new DataError(`${source}:${name}`, `data: expected a numeric array, got ${typeof values}`, damaged);
  }
  const stored = values as StoredArray;
  return { ...v, stored: () => stored };
}

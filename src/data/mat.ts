/**
 * MATLAB .mat readers: level 5 (`save -v6`/`-v7`, scipy.io.savemat; zlib-compressed or plain,
 * little- or big-endian) and v7.3 (HDF5, through h5wasm). Readers take bytes and a source name,
 * so they run in browsers too. The cube comes out band-sequential (cube.ts), maps row-major i32.
 */
import { readFileBytes } from '#platform';
import { byteInput, DataError, handleNonFinite, makeCube, type Cube, type LabelMap, type NonFinitePolicy } from './cube.ts';
import { isLevel5, parseLevel5 } from './mat5.ts';
import { hdf5Offset, parseV73 } from './mat73.ts';
import { listing, summarize, toCubeData, toMapData, type MatVariable, type MatVariableSummary, type ParsedVariable } from './matvars.ts';

export type { MatClass, MatKind, MatVariable, MatVariableSummary } from './matvars.ts';

/** auto: integer values are labels, other values a ground truth (value > 0 = anomaly). */
export type MatMapKind = 'auto' | 'labels' | 'anomaly' | 'scores';

export interface MatReadOptions {
  /** The cube variable; by default the only 3-D numeric one. */
  data?: string;
  /** The map variable, or false for none; by default the only 2-D numeric one of the cube's size. */
  map?: string | false;
  mapKind?: MatMapKind;
  /** NaN/Inf in the cube: refused by default (cube.ts handleNonFinite); 'keep' leaves them (hsi inspect counts them). */
  nonFinite?: NonFinitePolicy | 'keep';
}

export interface MatReadResult {
  cube: Cube;
  /** Labels or a 0/1 anomaly map (mapKind other than 'scores'). */
  map?: LabelMap;
  /** The map's values as scores, row-major (mapKind 'scores'). */
  scores?: Float32Array;
  /** Every variable of the file, as listMatVariables gives them. */
  variables: MatVariable[];
  /** The names of the variables read as the cube and the map. */
  dataName: string;
  mapName?: string;
}

const notMat = "pass a MATLAB .mat file saved with save -v7 or -v7.3 (level-4 files: load and save again with -v7)";

async function parse(input: Uint8Array | ArrayBuffer, source: string, op: string): Promise<ParsedVariable[]> {
  const bytes = byteInput(op, input, 'readMatFile');
  if (hdf5Offset(bytes) >= 0) return parseV73(bytes, source);
  if (isLevel5(bytes)) return parseLevel5(bytes, source);
  if (bytes.length < 128) throw new DataError(source, `truncated: expected a 128-byte MAT-file header, got ${bytes.length} bytes`, notMat);
  const text = String.fromCharCode(...bytes.subarray(0, 24)).replace(/[^\x20-\x7e]/g, '?');
  if (text.startsWith('MATLAB 7.3')) {
    throw new DataError(source, 'v7.3 header: expected the HDF5 signature at byte 512, got none', 'the file is damaged; save it again');
  }
  throw new DataError(source, `not a MAT-file: expected a level-5 header (endian mark IM or MI, version 0x0100) or HDF5, got '${text}'`, notMat);
}

const bare = (vars: ParsedVariable[]): MatVariable[] => vars.map(({ stored: _, ...v }) => v);

/** The variables of a .mat file: name, MATLAB dims, class and kind (cube, map, numeric, other). */
export async function listMatVariables(bytes: Uint8Array | ArrayBuffer, source: string): Promise<MatVariable[]> {
  return bare(await parse(bytes, source, 'listMatVariables'));
}

/** Per variable: dims, class, and for numeric ones min, max, NaN and Inf counts (for `hsi inspect`). */
export async function describeMat(bytes: Uint8Array | ArrayBuffer, source: string): Promise<MatVariableSummary[]> {
  return summarize(source, await parse(bytes, source, 'describeMat'));
}

/** One line per variable: `name  dims  class  [min, max]  NaN n`. */
export function formatMatSummary(vars: MatVariableSummary[]): string {
  return vars.map((v) => {
    const range = v.min !== undefined ? `  range [${v.min}, ${v.max}]` : '';
    const bad = v.nanCount !== undefined ? `  NaN ${v.nanCount}  Inf ${v.infCount}` : '';
    return `${v.name}  ${v.dims.join('×')}  ${v.class}${v.complex ? ' complex' : ''}  (${v.kind})${range}${bad}`;
  }).join('\n');
}

function pickCube(vars: ParsedVariable[], source: string, name?: string): ParsedVariable {
  if (name !== undefined) {
    const v = vars.find((x) => x.name === name);
    if (v?.kind === 'cube') return v;
    const why = v ? `got ${v.dims.join('×')} ${v.class}` : 'got no such variable';
    throw new DataError(source, `variable ${name}: expected a 3-D real numeric array, ${why}`, `variables: ${listing(bare(vars))}`);
  }
  const cubes = vars.filter((v) => v.kind === 'cube');
  if (cubes.length === 1) return cubes[0];
  const problem = cubes.length === 0 ? 'expected a 3-D numeric variable (the cube), got none' : `expected one 3-D numeric variable, got ${cubes.length}`;
  throw new DataError(source, problem, `name one with data: '<name>'; variables: ${listing(bare(vars))}`);
}

/** Names ground-truth maps usually have: map, gt, groundtruth, ground_truth, labels, *_gt. */
const GT_NAME = /^(map|gt|ground_?truth|labels?)$|_gt$/i;

function pickMap(vars: ParsedVariable[], source: string, rows: number, cols: number, name?: string | false): ParsedVariable | null {
  if (name === false) return null;
  const fits = (v: ParsedVariable): boolean => v.dims.length === 2 && v.dims[0] === rows && v.dims[1] === cols;
  if (name !== undefined) {
    const v = vars.find((x) => x.name === name);
    if (!v || v.kind === 'other') {
      throw new DataError(source, `map ${name}: expected a 2-D real numeric variable, got ${v ? `${v.dims.join('×')} ${v.class}` : 'no such variable'}`, `variables: ${listing(bare(vars))}`);
    }
    if (!fits(v)) {
      throw new DataError(`${source}:${name}`, `map size: expected the cube's ${rows}×${cols}, got ${v.dims.join('×')}`, 'pass the map that belongs to this cube (or map: false)');
    }
    return v;
  }
  // A 1×N scene's map is a vector (kind 'numeric'), still a map when its size is the cube's.
  const maps = vars.filter((v) => v.kind !== 'other' && fits(v));
  if (maps.length <= 1) return maps[0] ?? null;
  // Scenes often carry other per-pixel layers (abundances, fractions) beside the ground truth:
  // one conventionally named map settles it.
  const named = maps.filter((v) => GT_NAME.test(v.name));
  if (named.length === 1) return named[0];
  throw new DataError(source, `expected at most one ${rows}×${cols} map variable, got ${maps.length}`, `name one with map: '<name>' (or map: false); variables: ${listing(bare(vars))}`);
}

/** Row-major map values as labels, a 0/1 anomaly map or scores (see MatMapKind). */
function mapOut(source: string, v: ParsedVariable, kind: MatMapKind): { map?: LabelMap; scores?: Float32Array } {
  const [rows, cols] = v.dims;
  const values = toMapData(source, v);
  if (kind === 'scores') return { scores: Float32Array.from(values) };
  const whole = values.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 31);
  const nan = values.reduce((n, x) => n + (Number.isNaN(x) ? 1 : 0), 0);
  if (kind === 'labels' || (kind === 'auto' && nan > 0)) {
    if (!whole) {
      throw new DataError(`${source}:${v.name}`, `labels: expected integers in int32 range, got ${nan > 0 ? `${nan} NaN values` : 'fractions or huge values'}`, "pass mapKind: 'anomaly' (value > 0 = anomaly) or 'scores'");
    }
  }
  const data = whole && kind !== 'anomaly' ? Int32Array.from(values) : Int32Array.from(values, (x) => (x > 0 ? 1 : 0));
  return { map: { rows, cols, data, name: `${source}:${v.name}` } };
}

/** Reads the cube (and its map when the file has one) from the bytes of a .mat file. */
export async function readMat(bytes: Uint8Array | ArrayBuffer, source: string, opts: MatReadOptions = {}): Promise<MatReadResult> {
  const vars = await parse(bytes, source, 'readMat');
  const cv = pickCube(vars, source, opts.data);
  const [rows, cols, bands] = cv.dims;
  const cube = makeCube(`${source}:${cv.name}`, rows, cols, bands, toCubeData(source, cv));
  if (opts.nonFinite !== 'keep') handleNonFinite(cube, opts.nonFinite ?? 'error');
  const mv = pickMap(vars, source, rows, cols, opts.map);
  const out = mv ? mapOut(source, mv, opts.mapKind ?? 'auto') : {};
  return { cube, ...out, variables: bare(vars), dataName: cv.name, ...(mv ? { mapName: mv.name } : {}) };
}

/** Reads a label or anomaly map stored in its own file (e.g. SalinasA_gt.mat). */
export async function readMatMap(bytes: Uint8Array | ArrayBuffer, source: string, opts: { map?: string; mapKind?: Exclude<MatMapKind, 'scores'> } = {}): Promise<LabelMap> {
  const vars = await parse(bytes, source, 'readMatMap');
  const maps = opts.map !== undefined ? vars.filter((v) => v.name === opts.map && v.kind === 'map') : vars.filter((v) => v.kind === 'map');
  if (maps.length !== 1) {
    const problem = opts.map !== undefined ? `map ${opts.map}: expected a 2-D numeric variable, got none` : `expected one 2-D numeric variable, got ${maps.length}`;
    throw new DataError(source, problem, `name one with map: '<name>'; variables: ${listing(bare(vars))}`);
  }
  return mapOut(source, maps[0], opts.mapKind ?? 'auto').map as LabelMap;
}

/** Node (and any host with file paths): readMat on the file at `path`. */
export async function readMatFile(path: string, opts: MatReadOptions = {}): Promise<MatReadResult> {
  const name = path.split(/[\\/]/).pop() ?? path;
  return readMat(await readFileBytes(path), name, opts);
}

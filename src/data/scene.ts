/**
 * A scene from a file's name and bytes, chosen by extension: MATLAB .mat (level 5 or v7.3),
 * GeoTIFF (.tif/.tiff) and .npy (rows × cols × bands). ENVI needs two files (the .hdr and its raw
 * file) read in chunks, so it has its own entries: envi.ts (readEnviBlob) and envi.node.ts. The
 * command line (cli/scene.ts) and the browser app (web/) both read scenes through here, so a file
 * opens the same way in both, with the same variable choice and the same errors.
 */
import { constantBands, countNonFinite, DataError, handleNonFinite, type Cube, type LabelMap, type NonFinitePolicy } from './cube.ts';
import { ENVI_RAW_SUFFIXES } from './envi.ts';
import { readMat, type MatVariable } from './mat.ts';
import { npyToCube, readNpy } from './npy.ts';
import { readTiffCube } from './tiff.ts';

/** The formats a scene file may have, for messages and help. */
export const SCENE_FORMATS = '.mat, .hdr (ENVI), .tif/.tiff (GeoTIFF), .npy';

/** How a scene file is read (the CLI's --data, --map, --non-finite). */
export interface SceneOptions {
  /** The cube variable of a .mat file. */
  data?: string;
  /** The map variable of a .mat file, or false for none. */
  map?: string | false;
  /**
   * How a .mat map is read: 0/1 anomalies (value > 0, default), class labels (clustering), auto
   * (data/mat.ts), or 'truth': anomaly truth checked by anomalyTruth (a map that is no 0/1 map is
   * not used, with a warning; a map of the wrong size beside the cube gets a warning too).
   */
  mapKind?: 'anomaly' | 'labels' | 'auto' | 'truth';
  nonFinite?: NonFinitePolicy;
  /** The axes of a .npy cube: rows×cols×bands (hwc, the default) or bands×rows×cols (chw). */
  layout?: 'hwc' | 'chw';
}

/** A cube and, when the file has one, its map. */
export interface Scene {
  cube: Cube;
  map?: LabelMap;
  /** Things the reader chose or dropped that the user should hear about (one line each). */
  warnings?: string[];
  /** The .mat variables read as the cube and the map. */
  variables?: { data?: string; map?: string };
}

/** The lower-case extension of a file name, with its dot ('' when it has none). */
export function sceneExt(name: string): string {
  const m = /\.[^./\\]+$/.exec(name);
  return m ? m[0].toLowerCase() : '';
}

const KNOWN = ['.mat', '.hdr', '.tif', '.tiff', '.npy'];

/** Refuses a file name whose extension is none of SCENE_FORMATS (before any byte is read). */
export function checkSceneFormat(name: string): void {
  const ext = sceneExt(name);
  if (KNOWN.includes(ext)) return;
  // ENVI's data file (.img, .raw, …) is read through its header, which names its size and type.
  const fix = ext && ENVI_RAW_SUFFIXES.some((s) => s.toLowerCase() === ext) ? 'if it is the data of an ENVI raster, open its .hdr file' : 'convert the scene to one of these';
  throw new DataError(name, `format: expected one of ${SCENE_FORMATS}, got '${ext || 'no extension'}'`, fix);
}

/** A GeoTIFF or .npy cube as stored (NaN/Inf left in place). */
export async function readRasterBytes(name: string, bytes: Uint8Array, layout: 'hwc' | 'chw' = 'hwc'): Promise<Cube> {
  const ext = sceneExt(name);
  if (ext === '.npy') return npyToCube(readNpy(bytes, name), layout, name);
  if (ext === '.tif' || ext === '.tiff') return readTiffCube(bytes, name);
  if (ext === '.hdr') throw new DataError(name, 'ENVI: expected the header and its raw file together, got the header alone', 'open both files');
  checkSceneFormat(name);
  throw new DataError(name, `format: expected a GeoTIFF or .npy raster, got '${ext}'`);
}

/** Reads a one-file scene (.mat, .tif/.tiff, .npy) from its bytes; NaN/Inf as `opts.nonFinite` says. */
export async function readSceneBytes(name: string, bytes: Uint8Array, opts: SceneOptions = {}): Promise<Scene> {
  const nonFinite = opts.nonFinite ?? 'error';
  if (sceneExt(name) === '.mat') {
    const kind = opts.mapKind ?? 'anomaly';
    const truth = kind === 'truth';
    const r = await readMat(bytes, name, { data: opts.data, map: opts.map, mapKind: kind === 'truth' ? 'scores' : kind, nonFinite });
    const variables = { data: r.dataName, map: r.mapName };
    if (!truth) return { cube: r.cube, map: r.map, variables };
    const warnings = r.mapName ? [] : wrongSizeMaps(name, r.cube, r.variables);
    if (!r.scores) return { cube: r.cube, warnings, variables };
    const t = anomalyTruth(`${name}:${r.mapName}`, r.cube, r.scores, typeof opts.map === 'string');
    return { cube: r.cube, map: t.map, warnings: [...warnings, ...(t.warning ? [t.warning] : [])], variables: { data: r.dataName, map: t.map ? r.mapName : undefined } };
  }
  const cube = await readRasterBytes(name, bytes, opts.layout);
  handleNonFinite(cube, nonFinite);
  const warnings = sceneExt(name) === '.npy' && opts.layout === undefined ? layoutWarning(name, cube) : [];
  return { cube, warnings };
}

/**
 * A .npy cube read as rows×cols×bands (the guess) that looks like bands×rows×cols: few "bands"
 * and a first axis as long as a band count. Real scenes put 100 or more bands last, or have
 * both spatial axes long, so this fires on the swapped case and rarely otherwise.
 */
function layoutWarning(name: string, cube: Cube): string[] {
  if (!(cube.rows >= 100 && cube.bands <= 64 && cube.rows > 2 * cube.cols)) return [];
  return [`${name}: read as rows×cols×bands = ${cube.rows}×${cube.cols}×${cube.bands} (layout 'hwc', the default guess); if the array is bands×rows×cols (${cube.rows} bands), pass layout: 'chw'`];
}

/** Warnings for the file's 2-D variables that look like maps but are not the cube's size. */
function wrongSizeMaps(name: string, cube: Cube, vars: MatVariable[]): string[] {
  return vars.filter((v) => v.kind === 'map' && (v.dims[0] !== cube.rows || v.dims[1] !== cube.cols))
    .map((v) => `${name}:${v.name}: not used as anomaly truth: expected the cube's ${cube.rows}×${cube.cols}, got ${v.dims.join('×')}`);
}

/**
 * A 0/1 anomaly map from a map's values: two values, the smaller 0 (background) and the larger
 * the anomalies. A map of more values (class labels) or with NaN is no anomaly truth: not used,
 * with a warning (an error when `named`, i.e. the user chose it). A one-value map is kept (its
 * AUC is undefined, and the caller says so) with a warning.
 */
export function anomalyTruth(source: string, cube: Cube, values: ArrayLike<number>, named = false): { map?: LabelMap; warning?: string } {
  if (values.length !== cube.rows * cube.cols) {
    const why = `not used as anomaly truth: expected the cube's ${cube.rows}×${cube.cols} = ${cube.rows * cube.cols} values, got ${values.length}`;
    if (named) throw new DataError(source, why, 'pass the map of this scene');
    return { warning: `${source}: ${why}` };
  }
  const distinct = new Set<number>();
  for (let i = 0; i < values.length && distinct.size <= 16; i++) distinct.add(values[i]);
  const sorted = [...distinct].sort((a, b) => a - b);
  const shown = `${sorted.slice(0, 6).join(', ')}${sorted.length > 6 ? ', …' : ''}`;
  const nan = sorted.some(Number.isNaN);
  if (nan || sorted.length > 2 || (sorted.length === 2 && sorted[0] !== 0)) {
    const why = `not used as anomaly truth: expected two values (0 background, 1 or more anomaly), got ${nan ? 'NaN among the values' : `${sorted.length > 16 ? 'more than 16' : sorted.length} values (${shown})`}${sorted.length > 2 ? ', a class-label map' : ''}`;
    if (named) throw new DataError(source, why, 'pass a 0/1 anomaly map');
    return { warning: `${source}: ${why}; name a 0/1 map with map: '<name>'` };
  }
  const map: LabelMap = { rows: cube.rows, cols: cube.cols, data: Int32Array.from(values, (v) => (v > 0 ? 1 : 0)), name: source };
  if (sorted.length === 2) return { map };
  return { map, warning: `${source}: the map has one class only (all ${sorted[0]}): AUC undefined` };
}

/** Refuses a ground truth from its own file (`source`) whose size is not the cube's. */
export function checkMapSize(source: string, cube: Cube, map: LabelMap): void {
  if (map.rows !== cube.rows || map.cols !== cube.cols) {
    throw new DataError(source, `size: expected ${cube.rows}×${cube.cols} like the scene, got ${map.rows}×${map.cols}`, 'pass the ground truth of this scene');
  }
}

/** What `hsi inspect` prints about a cube and the browser app shows of an open scene. */
export interface CubeSummary {
  file: string;
  rows: number;
  cols: number;
  bands: number;
  min: number;
  max: number;
  nonFinite: number;
  /** Bands whose values are all equal (0-based). */
  constantBands: number[];
  wavelengths?: [number, number];
}

/** Size, finite value range, NaN/Inf count, constant bands and wavelength range of `cube`. */
export function summarizeCube(file: string, cube: Cube): CubeSummary {
  let min = Infinity;
  let max = -Infinity;
  for (const v of cube.data) if (Number.isFinite(v)) (min = Math.min(min, v)), (max = Math.max(max, v));
  const w = cube.wavelengths;
  return {
    file, rows: cube.rows, cols: cube.cols, bands: cube.bands, min, max, nonFinite: countNonFinite(cube.data), constantBands: constantBands(cube),
    ...(w && w.length ? { wavelengths: [w[0], w[w.length - 1]] as [number, number] } : {}),
  };
}

/**
 * A scene from a file's name and bytes, chosen by extension: MATLAB .mat (level 5 or v7.3),
 * GeoTIFF (.tif/.tiff) and .npy (rows × cols × bands). ENVI needs two files (the .hdr and its raw
 * file) read in chunks, so it has its own entries: envi.ts (readEnviBlob) and envi.node.ts. The
 * command line (cli/scene.ts) and the browser app (web/) both read scenes through here, so a file
 * opens the same way in both, with the same variable choice and the same errors.
 */
import { constantBands, countNonFinite, DataError, handleNonFinite, type Cube, type LabelMap, type NonFinitePolicy } from './cube.ts';
import { ENVI_RAW_SUFFIXES } from './envi.ts';
import { readMat } from './mat.ts';
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
  /** How a .mat map is read: 0/1 anomalies (detection, default), class labels (clustering), or auto (data/mat.ts). */
  mapKind?: 'anomaly' | 'labels' | 'auto';
  nonFinite?: NonFinitePolicy;
}

/** A cube and, when the file has one, its map. */
export interface Scene {
  cube: Cube;
  map?: LabelMap;
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
export async function readRasterBytes(name: string, bytes: Uint8Array): Promise<Cube> {
  const ext = sceneExt(name);
  if (ext === '.npy') return npyToCube(readNpy(bytes, name), 'hwc', name);
  if (ext === '.tif' || ext === '.tiff') return readTiffCube(bytes, name);
  if (ext === '.hdr') throw new DataError(name, 'ENVI: expected the header and its raw file together, got the header alone', 'open both files');
  checkSceneFormat(name);
  throw new DataError(name, `format: expected a GeoTIFF or .npy raster, got '${ext}'`);
}

/** Reads a one-file scene (.mat, .tif/.tiff, .npy) from its bytes; NaN/Inf as `opts.nonFinite` says. */
export async function readSceneBytes(name: string, bytes: Uint8Array, opts: SceneOptions = {}): Promise<Scene> {
  const nonFinite = opts.nonFinite ?? 'error';
  if (sceneExt(name) === '.mat') {
    const r = await readMat(bytes, name, { data: opts.data, map: opts.map, mapKind: opts.mapKind ?? 'anomaly', nonFinite });
    return { cube: r.cube, map: r.map };
  }
  const cube = await readRasterBytes(name, bytes);
  handleNonFinite(cube, nonFinite);
  return { cube };
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

/**
 * Loads a scene file for the CLI by its extension: MATLAB .mat (level 5 or v7.3), ENVI
 * (.hdr + raw), GeoTIFF (.tif/.tiff) and .npy (rows × cols × bands). Returns the cube and,
 * when the file has one, its ground-truth map.
 */
import path from 'node:path';
import { readFileBytes } from '#platform';
import { DataError, handleNonFinite, type Cube, type LabelMap, type NonFinitePolicy } from '../data/cube.ts';
import { readMat } from '../data/mat.ts';
import { readEnviFile } from '../data/envi.node.ts';
import { npyToCube, readNpy } from '../data/npy.ts';
import { readTiffCube } from '../data/tiff.ts';

export interface SceneOptions {
  /** The cube variable of a .mat file. */
  data?: string;
  /** The map variable of a .mat file, or false for none. */
  map?: string | false;
  /** How a .mat map is read: 0/1 anomalies (hsi detect, default) or class labels (hsi cluster). */
  mapKind?: 'anomaly' | 'labels';
  nonFinite?: NonFinitePolicy;
}

export interface Scene {
  cube: Cube;
  map?: LabelMap;
}

export const SCENE_FORMATS = '.mat, .hdr (ENVI), .tif/.tiff (GeoTIFF), .npy';

/** Reads `file` as a scene (see the file comment for the formats). */
export async function loadScene(file: string, opts: SceneOptions = {}): Promise<Scene> {
  const ext = path.extname(file).toLowerCase();
  const name = path.basename(file);
  const nonFinite = opts.nonFinite ?? 'error';
  if (ext === '.mat') {
    const r = await readMat(await readBytes(file), name, { data: opts.data, map: opts.map, mapKind: opts.mapKind ?? 'anomaly', nonFinite });
    return { cube: r.cube, map: r.map };
  }
  const cube = await readRasterCube(file);
  handleNonFinite(cube, nonFinite);
  return { cube };
}

/** An ENVI, GeoTIFF or .npy cube as stored (NaN/Inf left in place). */
export async function readRasterCube(file: string): Promise<Cube> {
  const ext = path.extname(file).toLowerCase();
  const name = path.basename(file);
  if (ext === '.hdr') return readEnviFile(file);
  if (ext === '.npy') return npyToCube(readNpy(await readBytes(file), name), 'hwc', name);
  if (ext === '.tif' || ext === '.tiff') return readTiffCube(await readBytes(file), name);
  throw new DataError(name, `format: expected one of ${SCENE_FORMATS}, got '${ext || 'no extension'}'`, 'convert the scene to one of these');
}

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFileBytes(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check the path');
  }
}

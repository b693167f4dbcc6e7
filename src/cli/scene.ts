/**
 * Loads a scene file for the CLI by its extension: MATLAB .mat (level 5 or v7.3), ENVI
 * (.hdr + raw), GeoTIFF (.tif/.tiff) and .npy (rows × cols × bands). One-file formats go
 * through data/scene.ts (shared with the browser app); ENVI is read from disk in chunks.
 */
import path from 'node:path';
import { readFileBytes } from '#platform';
import { DataError, handleNonFinite, type Cube } from '../data/cube.ts';
import { readEnviFile } from '../data/envi.node.ts';
import { checkSceneFormat, readRasterBytes, readSceneBytes, sceneExt, type Scene, type SceneOptions } from '../data/scene.ts';

export { SCENE_FORMATS, type Scene, type SceneOptions } from '../data/scene.ts';

/** Reads `file` as a scene (see the file comment for the formats). */
export async function loadScene(file: string, opts: SceneOptions = {}): Promise<Scene> {
  checkSceneFormat(path.basename(file));
  if (sceneExt(file) !== '.hdr') return readSceneBytes(path.basename(file), await readBytes(file), opts);
  const cube = await readEnviFile(file);
  handleNonFinite(cube, opts.nonFinite ?? 'error');
  return { cube };
}

/** An ENVI, GeoTIFF or .npy cube as stored (NaN/Inf left in place). */
export async function readRasterCube(file: string): Promise<Cube> {
  checkSceneFormat(path.basename(file));
  if (sceneExt(file) === '.hdr') return readEnviFile(file);
  return readRasterBytes(path.basename(file), await readBytes(file));
}

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFileBytes(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check the path');
  }
}

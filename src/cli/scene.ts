/**
 * Loads a scene file for the CLI by its extension: MATLAB .mat (level 5 or v7.3), ENVI
 * (.hdr + raw), GeoTIFF (.tif/.tiff) and .npy (rows × cols × bands, or --layout chw). One-file
 * formats go through data/scene.ts (shared with the browser app); ENVI is read from disk in
 * chunks. Library messages name library options (`nonFinite: 'zero'`); here they name the flags.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readFileBytes } from '#platform';
import { DataError, handleNonFinite, type Cube } from '../data/cube.ts';
import { readEnviFile } from '../data/envi.node.ts';
import { checkSceneFormat, readRasterBytes, readSceneBytes, sceneExt, type Scene, type SceneOptions } from '../data/scene.ts';

export { SCENE_FORMATS, type Scene, type SceneOptions } from '../data/scene.ts';

/** A library message in command-line words: option names become the flags that set them. */
export function cliWords(message: string): string {
  return message
    .replace(/nonFinite: '([^']+)' or '([^']+)'/g, '--non-finite $1 or $2')
    .replace(/with data: '<name>'/g, 'with --data NAME')
    .replace(/with map: '<name>'/g, 'with --map NAME')
    .replace(/\(or map: false\)/g, '(or --map none)')
    .replace(/layout '(\w+)'/g, '--layout $1')
    .replace(/layout: '(\w+)'/g, '--layout $1');
}

/** Runs `fn`, rewording a DataError it throws with cliWords. */
export async function inCliWords<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DataError) e.message = cliWords(e.message);
    throw e;
  }
}

/** Reads `file` as a scene (see the file comment for the formats). */
export function loadScene(file: string, opts: SceneOptions = {}): Promise<Scene> {
  return inCliWords(async () => {
    checkSceneFormat(path.basename(file));
    if (sceneExt(file) !== '.hdr') return readSceneBytes(path.basename(file), await readBytes(file), opts);
    const cube = await readEnviFile(file);
    handleNonFinite(cube, opts.nonFinite ?? 'error');
    return { cube };
  });
}

/** An ENVI, GeoTIFF or .npy cube as stored (NaN/Inf left in place). */
export async function readRasterCube(file: string, layout?: 'hwc' | 'chw'): Promise<Cube> {
  checkSceneFormat(path.basename(file));
  if (sceneExt(file) === '.hdr') return readEnviFile(file);
  return readRasterBytes(path.basename(file), await readBytes(file), layout);
}

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFileBytes(file);
  } catch (e) {
    throw new DataError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check the path');
  }
}

const SCENE_EXTS = ['.mat', '.hdr', '.tif', '.tiff', '.npy'];

/**
 * The scene files the command line names: files as given, folders as their scene files (sorted;
 * ENVI by its .hdr; ground-truth files named *_gt.* skipped). A folder without any is a usage
 * error raised by the caller.
 */
export async function listScenes(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const a of args) {
    const st = await stat(a).catch(() => null);
    if (!st?.isDirectory()) {
      files.push(a);
      continue;
    }
    const inside = (await readdir(a)).filter((f) => SCENE_EXTS.includes(sceneExt(f)) && !f.startsWith('.') && !/_gt\.[^.]+$/i.test(f)).sort();
    files.push(...inside.map((f) => path.join(a, f)));
  }
  return files;
}

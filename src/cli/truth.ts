/**
 * `hsi detect --map`: where the anomaly truth comes from. `--map VAR` names a variable of the
 * scene's .mat, `--map none` reads none, and `--map FILE[:VAR]` reads it from a file of its own
 * in any scene format (.mat variable, 2-D .npy, one-band GeoTIFF or ENVI). Every map goes
 * through data/scene.ts anomalyTruth, so a class-label map is refused the same way everywhere.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Cube, LabelMap } from '../data/cube.ts';
import { DataError } from '../data/cube.ts';
import { readMatMap } from '../data/mat.ts';
import { readNpy } from '../data/npy.ts';
import { anomalyTruth, sceneExt } from '../data/scene.ts';
import { UsageError } from './common.ts';
import { inCliWords, readBytes, readRasterCube } from './scene.ts';

/** What --map names: a variable of the scene, a file (and its variable), or nothing. */
export type MapSpec = { kind: 'variable'; name: string } | { kind: 'file'; file: string; variable?: string } | { kind: 'none' };

/** Reads --map's text: an existing file (FILE or FILE:VAR) or else a variable name. */
export function parseMapSpec(spec: string): MapSpec {
  if (spec === 'none') return { kind: 'none' };
  if (existsSync(spec)) return { kind: 'file', file: spec };
  const at = spec.lastIndexOf(':');
  if (at > 0 && existsSync(spec.slice(0, at))) return { kind: 'file', file: spec.slice(0, at), variable: spec.slice(at + 1) };
  if (/[\\/]|\.(mat|npy|tif|tiff|hdr)$/i.test(spec)) throw new UsageError(`--map: expected an existing map file (FILE or FILE:VAR) or a variable name, got ${spec}, which is no file; check the path`);
  return { kind: 'variable', name: spec };
}

/** The scene-reading options --map gives for `scene` (a variable name only makes sense in a .mat). */
export function mapOption(spec: MapSpec | undefined, scene: string): string | false | undefined {
  if (!spec) return undefined;
  if (spec.kind === 'variable') {
    if (sceneExt(scene) !== '.mat') throw new UsageError(`--map ${spec.name}: a variable name only applies to a .mat scene, got ${path.basename(scene)}; pass the map's file: --map FILE[:VAR]`);
    return spec.name;
  }
  return false;
}

/** The anomaly truth in `spec.file`, checked against the cube (size, two values). */
export function readTruthFile(spec: { file: string; variable?: string }, cube: Cube): Promise<{ map: LabelMap; warning?: string; source: string }> {
  return inCliWords(async () => {
    const { values, rows, cols, source } = await readMapFile(spec, '--map');
    if (rows !== cube.rows || cols !== cube.cols) throw new DataError(source, `map size: expected the cube's ${cube.rows}×${cube.cols}, got ${rows}×${cols}`, 'pass the map of this scene');
    const t = anomalyTruth(source, cube, values, true);
    return { map: t.map!, warning: t.warning, source };
  });
}

/** A map file's values and size, in any scene format (.mat variable, 2-D .npy, one-band raster); `flag` names the CLI flag in errors. */
export async function readMapFile(spec: { file: string; variable?: string }, flag: string): Promise<{ values: ArrayLike<number>; rows: number; cols: number; source: string }> {
  const { file, variable } = spec;
  const name = path.basename(file);
  const source = `${name}${variable ? `:${variable}` : ''}`;
  const ext = sceneExt(file);
  if (variable !== undefined && ext !== '.mat') throw new UsageError(`${flag} ${file}:${variable}: a variable name only applies to a .mat file, got ${ext || 'no extension'}; pass ${flag} ${file}`);
  if (ext === '.mat') {
    const m = await readMatMap(await readBytes(file), name, { map: variable, mapKind: 'auto' });
    return { values: m.data, rows: m.rows, cols: m.cols, source };
  }
  if (ext === '.npy') {
    const a = readNpy(await readBytes(file), name);
    if (!(a.shape.length === 2 || (a.shape.length === 3 && a.shape[2] === 1))) throw new DataError(source, `map: expected a 2-D array (rows × cols), got shape (${a.shape.join(', ')})`);
    return { values: a.data, rows: a.shape[0], cols: a.shape[1], source };
  }
  const c = await readRasterCube(file);
  if (c.bands !== 1) throw new DataError(source, `map: expected one band, got ${c.bands}`, 'pass a one-band raster');
  return { values: c.data, rows: c.rows, cols: c.cols, source };
}

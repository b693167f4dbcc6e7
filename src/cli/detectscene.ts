/**
 * How `hsi detect` reads a scene: the flags that choose it (--data, --map, --layout, --bands,
 * --drop-bands, --crop), checked against each file's format so a flag that cannot apply is a
 * usage error rather than ignored, and loading a scene with its anomaly truth and selection.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import type { Cube, LabelMap, NonFinitePolicy } from '../data/cube.ts';
import { sceneExt } from '../data/scene.ts';
import { choice, UsageError } from './common.ts';
import { cliWords, listScenes, loadScene } from './scene.ts';
import { mapOption, parseMapSpec, readTruthFile, type MapSpec } from './truth.ts';
import { applySelection, parseBands, parseCrop, type Selection } from './select.ts';

export interface SceneFlags {
  data?: string;
  map?: MapSpec;
  layout?: 'hwc' | 'chw';
  selection: Selection;
}

/** The scene-reading flags, syntax checked (format checks wait for the files: checkFlagsFor). */
export function sceneOptions(v: Record<string, string | undefined>): SceneFlags {
  return {
    data: v.data,
    map: v.map === undefined ? undefined : parseMapSpec(v.map),
    layout: v.layout === undefined ? undefined : choice('layout', v.layout, ['hwc', 'chw'] as const, 'hwc'),
    selection: {
      keep: v.bands === undefined ? undefined : parseBands('bands', v.bands),
      drop: v['drop-bands'] === undefined ? undefined : parseBands('drop-bands', v['drop-bands']),
      crop: v.crop === undefined ? undefined : parseCrop(v.crop),
    },
  };
}

/** Refuses flags that cannot apply to `file`'s format. */
function checkFlagsFor(file: string, f: SceneFlags): void {
  const ext = sceneExt(file);
  const name = path.basename(file);
  if (f.data !== undefined && ext !== '.mat') throw new UsageError(`--data ${f.data}: names a variable of a .mat scene, got ${name}, whose format holds one cube; drop --data`);
  if (f.layout !== undefined && ext !== '.npy') throw new UsageError(`--layout: applies to .npy scenes only, got ${name}, whose format records its axes; drop --layout`);
  mapOption(f.map, file);
}

/** The scene files named on the command line; `batch` when more than one or a folder. */
export async function listDetectScenes(args: string[], f: SceneFlags): Promise<{ files: string[]; batch: boolean }> {
  const files = await listScenes(args);
  const folders = (await Promise.all(args.map((a) => stat(a).then((s) => s.isDirectory(), () => false)))).some(Boolean);
  if (files.length === 0) throw new UsageError(`file: expected scene files (${['.mat', '.hdr', '.tif', '.npy'].join(', ')}), got a folder without any: ${args.join(' ')}`);
  const batch = files.length > 1 || folders;
  if (batch && f.map?.kind === 'file') throw new UsageError(`--map ${f.map.file}: one map file fits one scene, got ${files.length} scenes; run them one by one, or name a variable (--map VAR)`);
  for (const file of files) checkFlagsFor(file, f);
  return { files, batch };
}

/** A scene ready for a detector: the cube and map after --map, --bands and --crop, and what was read. */
export async function loadDetectScene(file: string, nonFinite: NonFinitePolicy, f: SceneFlags): Promise<{ cube: Cube; map?: LabelMap; record: Record<string, unknown> }> {
  const scene = await loadScene(file, { data: f.data, map: mapOption(f.map, file), mapKind: 'truth', nonFinite, layout: f.layout });
  const warnings = (scene.warnings ?? []).map(cliWords);
  let map = scene.map;
  let mapSource = scene.variables?.map ?? null;
  if (f.map?.kind === 'file') {
    const t = await readTruthFile(f.map, scene.cube);
    map = t.map;
    mapSource = t.source;
    if (t.warning) warnings.push(cliWords(t.warning));
  }
  for (const w of warnings) console.error(`hsi detect: warning: ${w}`);
  const cut = applySelection(scene.cube, map, f.selection);
  const sel = f.selection;
  const record = {
    variables: { data: scene.variables?.data ?? null, map: mapSource }, layout: sceneExt(file) === '.npy' ? f.layout ?? 'hwc' : null,
    selection: { bands: sel.keep ?? null, dropBands: sel.drop ?? null, crop: sel.crop ?? null }, warnings,
  };
  return { ...cut, record };
}

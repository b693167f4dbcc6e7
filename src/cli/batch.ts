/**
 * `hsi detect` on scenes: the flags that choose how a scene is read (checked against each file's
 * format, so a flag that cannot apply is a usage error rather than ignored), loading a scene with
 * its anomaly truth, and a batch of scenes on one GPU adapter with a summary table at the end.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { createGpu, type TuningTable } from '../index.ts';
import { HsiError } from '../errors.ts';
import type { Cube, LabelMap, NonFinitePolicy } from '../data/cube.ts';
import { sceneExt } from '../data/scene.ts';
import type { ModelEntry, OptionValues } from '../models/registry.ts';
import { choice, interruptible, sceneStem, UsageError, writeAtomic } from './common.ts';
import { listScenes, loadScene } from './scene.ts';
import { mapOption, parseMapSpec, readTruthFile, type MapSpec } from './truth.ts';
import { applySelection, parseBands, parseCrop, type Selection } from './select.ts';
import { openRun, withRun } from './runfolder.ts';
import { detectOne } from './detect.ts';
import { provenance } from './provenance.ts';

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
  const warnings = [...(scene.warnings ?? [])];
  let map = scene.map;
  let mapSource = scene.variables?.map ?? null;
  if (f.map?.kind === 'file') {
    const t = await readTruthFile(f.map, scene.cube);
    map = t.map;
    mapSource = t.source;
    if (t.warning) warnings.push(t.warning);
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

interface BatchCommon {
  model: ModelEntry<'detect'>;
  options: OptionValues;
  json?: boolean;
  nonFinite: NonFinitePolicy;
  flags: SceneFlags;
}

interface BatchRow {
  scene: string;
  file: string;
  folder: string;
  ok: boolean;
  auc?: { aucDF: number; aucDtau: number; aucFtau: number; snpr: number } | null;
  seconds?: number;
  error?: string;
}

/** Folder names for the scenes: their stems, numbered when two share one. */
function folderNames(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const stem = sceneStem(f);
    const n = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

/** Detects every scene into one run folder; a failing scene is recorded and the rest go on. */
export async function detectBatch(files: string[], outFlag: string | undefined, tuning: TuningTable | undefined, c: BatchCommon): Promise<number> {
  const out = outFlag ?? path.join('hsi-out', `batch-${c.model.name}`);
  const run = await openRun(out);
  const stop = interruptible();
  try {
    const gpu = await createGpu({ tuning });
    try {
      return await withRun(run, async (dir) => {
        const rows: BatchRow[] = [];
        const names = folderNames(files);
        for (const [i, file] of files.entries()) {
          const row = await batchScene(gpu, file, names[i], dir, out, c, stop.signal);
          if (row === null) return 130;
          rows.push(row);
        }
        return writeBatchSummary(dir, out, c.model.name, rows, c.json);
      });
    } finally {
      gpu.destroy();
    }
  } finally {
    run.discard();
    stop.release();
  }
}

async function batchScene(gpu: Parameters<typeof detectOne>[0], file: string, folder: string, dir: string, out: string, c: BatchCommon, signal: AbortSignal): Promise<BatchRow | null> {
  const t0 = performance.now();
  const row = { scene: sceneStem(file), file, folder };
  try {
    const scene = await loadDetectScene(file, c.nonFinite, c.flags);
    const loadSeconds = (performance.now() - t0) / 1e3;
    const s = await detectOne(gpu, { ...c, ...scene, signal, scene: row.scene, file, out: path.join(out, folder), dir: path.join(dir, folder), loadSeconds });
    if (!s) return null;
    return { ...row, ok: true, auc: s.auc as BatchRow['auc'], seconds: (performance.now() - t0) / 1e3 };
  } catch (e) {
    // A scene's own problem (unreadable, refused data, a model error) fails that scene only.
    if (!(e instanceof HsiError || e instanceof UsageError)) throw e;
    console.error(`hsi detect: ${row.scene}: failed: ${e.message}`);
    return { ...row, ok: false, error: e.message };
  }
}

const csvCell = (v: unknown): string => (v === undefined || v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** summary.csv and summary.json of a batch; exit 1 naming the scenes that failed. */
async function writeBatchSummary(dir: string, out: string, model: string, rows: BatchRow[], json?: boolean): Promise<number> {
  const header = ['scene', 'file', 'status', 'aucDF', 'aucDtau', 'aucFtau', 'snprDb', 'seconds', 'folder', 'error'];
  const lines = rows.map((r) => [r.scene, r.file, r.ok ? 'ok' : 'failed', r.auc?.aucDF, r.auc?.aucDtau, r.auc?.aucFtau, r.auc?.snpr, r.seconds?.toFixed(3), r.folder, r.error].map(csvCell).join(','));
  await writeAtomic(path.join(dir, 'summary.csv'), [header.join(','), ...lines].join('\n') + '\n');
  const failed = rows.filter((r) => !r.ok).map((r) => r.scene);
  const files = { summaryCsv: 'summary.csv', summary: 'summary.json', ...Object.fromEntries(rows.filter((r) => r.ok).map((r) => [`scene:${r.scene}`, r.folder])) };
  const summary = { command: 'detect', model, out, scenes: rows, failed, files, provenance: await provenance(null, {}) };
  await writeAtomic(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (json) console.log(JSON.stringify(summary));
  else printTable(rows);
  if (failed.length === 0) return 0;
  console.error(`hsi detect: ${failed.length} of ${rows.length} scenes failed: ${failed.join(', ')} (see summary.csv in ${out})`);
  return 1;
}

/** The AUCs of every scene as a table on stdout. */
function printTable(rows: BatchRow[]): void {
  console.log(`\n${'scene'.padEnd(24)} ${'AUC(D,F)'.padEnd(9)} ${'AUC(D,τ)'.padEnd(9)} ${'AUC(F,τ)'.padEnd(9)} status`);
  for (const r of rows) {
    const f = (x?: number) => (x === undefined ? '–' : x.toFixed(4)).padEnd(9);
    console.log(`${r.scene.padEnd(24)} ${f(r.auc?.aucDF)} ${f(r.auc?.aucDtau)} ${f(r.auc?.aucFtau)} ${r.ok ? 'ok' : 'failed'}`);
  }
}

/**
 * `hsi detect` on several scenes: one GPU adapter, one run folder with a folder per scene, a line
 * per scene as it finishes, and summary.csv, summary.json and a table at the end. A scene that
 * fails is recorded and the rest go on.
 */
import path from 'node:path';
import { createGpu, type TuningTable } from '../index.ts';
import { HsiError } from '../errors.ts';
import type { NonFinitePolicy } from '../data/cube.ts';
import type { ModelEntry, OptionValues } from '../models/registry.ts';
import { interruptible, sceneStem, UsageError, writeAtomic } from './common.ts';
import { openRun, withRun } from './runfolder.ts';
import { detectOne } from './detectrun.ts';
import type { DetectionFileOptions } from '../report/detect.ts';
import { loadDetectScene, type SceneFlags } from './detectscene.ts';
import { provenance } from './provenance.ts';

interface BatchCommon {
  model: ModelEntry<'detect'>;
  options: OptionValues;
  json?: boolean;
  nonFinite: NonFinitePolicy;
  flags: SceneFlags;
  outputs?: DetectionFileOptions;
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

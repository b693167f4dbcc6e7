/** `hsi detect <file>…`: an anomaly map, AUCs and pictures from a classical or learned detector. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createGpu, type TuningTable } from '../index.ts';
import { modelsFor } from '../models/index.ts';
import { choice, interruptible, parseFlags, sceneStem, UsageError, type Command } from './common.ts';
import { SCENE_FORMATS } from './scene.ts';
import { modelFlags, modelFromFlags, modelsHelp } from './detectors.ts';
import { outputFlags, outputHelp, outputOptions } from './outputs.ts';
import { openRun, withRun } from './runfolder.ts';
import { detectOne } from './detectrun.ts';
import { listDetectScenes, loadDetectScene, sceneOptions, type SceneFlags } from './detectscene.ts';
import { detectBatch } from './batch.ts';

export { detectScene } from './detectrun.ts';

const usage = `usage: hsi detect <file> [--model ${modelsFor('detect').map((m) => m.name).join('|')}] [model options]
       hsi detect <file|folder>… (several scenes, see below) [same options]
                  [--data VAR] [--map VAR|FILE[:VAR]|none] [--layout hwc|chw]
                  [--bands LIST] [--drop-bands LIST] [--crop r0:r1,c0:c1]
                  [--non-finite error|zero|band-mean] [--format tif,npy,mat] [--far 1e-3]
                  [--tuning FILE] [--out DIR] [--json]

Scores every pixel of a scene for anomalies and writes to --out (default
./hsi-out/<scene>-<model>/): scores.tif, scores.npy and scores.mat (--format), scores.png (heat
map with a colour bar, ground-truth outline beside the targets when there is a map),
gt-overlay.png (the outline alone, transparent), scene.png (false colour), detections.png (pixels
above the --far threshold), roc.csv, roc.png, the AUCs and P_D at 1e-3 and 1e-2 false alarms when
the map has both classes, and summary.json (file hashes, version, command line, input hashes). A run is
written beside --out and renamed into place: the folder always holds one whole run. --out may
be a new folder or an earlier run's (replaced); anything else is refused before any work.
With --json the last line of stdout is the summary.

Several files or a folder: one run over every scene (one GPU adapter), a line per scene, and in
--out (default ./hsi-out/batch-<model>/) one folder per scene plus summary.csv and
summary.json; a scene that fails does not stop the others (exit 1, naming them).

--map VAR       the anomaly map variable of a .mat scene (default: the one map of the cube's size)
--map FILE[:VAR] the map from its own file: .mat (VAR), 2-D .npy, one-band .tif or ENVI .hdr
--map none      no map. A map must have two values (0 background, >0 anomaly): a class-label
                map is not used (a warning names it); a one-class map leaves the AUC undefined.
--layout        axes of a .npy cube: hwc = rows×cols×bands (default), chw = bands×rows×cols
--bands LIST    keep these bands, 1-based, ranges inclusive: 1-100,120-150,160
--drop-bands LIST  remove these bands (bad-band removal), same numbering
--crop r0:r1,c0:c1 keep rows r0..r1 and columns c0..c1 (1-based, inclusive)
${outputHelp}

models and their options:
${modelsHelp('detect')}

--tuning FILE loads kernel choices measured by \`hsi tune\` on this adapter (speed only).
Ctrl-C stops training after the current step and writes nothing. Formats: ${SCENE_FORMATS}.`;

export const detect: Command = {
  summary: `score a scene for anomalies (${modelsFor('detect').map((m) => m.name).join(', ')})`,
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' }, ...modelFlags('detect'),
      data: { type: 'string' }, map: { type: 'string' }, 'non-finite': { type: 'string' }, layout: { type: 'string' },
      bands: { type: 'string' }, 'drop-bands': { type: 'string' }, crop: { type: 'string' },
      out: { type: 'string' }, json: { type: 'boolean' }, tuning: { type: 'string' }, ...outputFlags,
    });
    if (positionals.length === 0) throw new UsageError('file: expected a scene file or folder, got none');
    const { entry, options } = modelFromFlags('detect', values);
    const flags: SceneFlags = sceneOptions(values as Record<string, string | undefined>);
    const nonFinite = choice('non-finite', values['non-finite'] as string | undefined, ['error', 'zero', 'band-mean'] as const, 'error');
    const tuning = values.tuning === undefined ? undefined : await readTuning(values.tuning as string);
    const outputs = outputOptions(values as { format?: string; far?: string });
    const common = { model: entry, options, json: values.json as boolean | undefined, nonFinite, flags, outputs };
    const { files, batch } = await listDetectScenes(positionals, flags);
    if (batch) return detectBatch(files, values.out as string | undefined, tuning, common);
    const file = files[0];
    const out = (values.out as string | undefined) ?? path.join('hsi-out', `${sceneStem(file)}-${entry.name}`);
    const run = await openRun(out);
    const stop = interruptible();
    try {
      const t0 = performance.now();
      const scene = await loadDetectScene(file, nonFinite, flags);
      const loadSeconds = (performance.now() - t0) / 1e3;
      const gpu = await createGpu({ tuning });
      try {
        return await withRun(run, async (dir) => ((await detectOne(gpu, { ...common, ...scene, signal: stop.signal, scene: sceneStem(file), file, out, dir, loadSeconds })) ? 0 : 130));
      } finally {
        gpu.destroy();
      }
    } finally {
      run.discard();
      stop.release();
    }
  },
};

/** A table written by \`hsi tune\`; a missing or unreadable file is a usage error. */
async function readTuning(file: string): Promise<TuningTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--tuning: expected a file written by hsi tune, got ${file} (${(e as Error).message}); run hsi tune --out ${file} first`);
  }
  try {
    return JSON.parse(text) as TuningTable;
  } catch {
    throw new UsageError(`--tuning: expected JSON written by hsi tune, got unparsable text in ${file}; run hsi tune --out ${file} again`);
  }
}

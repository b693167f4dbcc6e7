/** `hsi detect <file>`: an anomaly map, AUCs and pictures from a classical or learned detector. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGpu, describeGpu, type Gpu } from '../index.ts';
import type { Cube } from '../data/cube.ts';
import { globalRx } from '../models/rx.ts';
import { localRx, LRX_DEFAULTS } from '../models/lrx.ts';
import { choice, interruptible, intOption, sceneStem, UsageError, writeAtomic, type Command } from './common.ts';
import { loadScene, SCENE_FORMATS } from './scene.ts';
import { scoreResult, writeOutputs } from './outputs.ts';

const MODELS = ['rx', 'lrx'] as const;
type Model = (typeof MODELS)[number];

const usage = `usage: hsi detect <file> [--model rx|lrx] [--data VAR] [--map VAR]
                  [--non-finite error|zero|band-mean] [--out DIR] [--json]

Scores every pixel of a scene for anomalies and writes to --out (default
./hsi-out/<scene>-<model>/): scores.npy and scores.mat, scores.png (heat map, ground-truth
contour when the file has a map), scene.png (false colour), roc.csv and the AUCs when a map
exists, and summary.json. With --json the last line of stdout is the summary.
  rx    global Reed–Xiaoli (scene mean and covariance, pseudo-inverse)
  lrx   local dual-window RX (outer ${LRX_DEFAULTS.outer}, inner ${LRX_DEFAULTS.inner}, on ${LRX_DEFAULTS.dims} principal components)
Formats: ${SCENE_FORMATS}.`;

async function runModel(gpu: Gpu, model: Model, cube: Cube): Promise<{ scores: Float32Array; settings: Record<string, unknown> }> {
  if (model === 'rx') return { scores: await globalRx(gpu, cube), settings: { inverse: 'pseudo-inverse (float64 eigendecomposition)' } };
  return { scores: await localRx(gpu, cube), settings: { ...LRX_DEFAULTS } };
}

export const detect: Command = {
  summary: 'score a scene for anomalies (RX, local RX)',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        model: { type: 'string' }, data: { type: 'string' }, map: { type: 'string' }, 'non-finite': { type: 'string' },
        out: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    const model = choice('model', values.model, MODELS, 'rx');
    const nonFinite = choice('non-finite', values['non-finite'], ['error', 'zero', 'band-mean'] as const, 'error');
    const seed = intOption('seed', values.seed, 1, 0, 2 ** 31 - 1);
    const out = values.out ?? path.join('hsi-out', `${sceneStem(file)}-${model}`);
    const t0 = performance.now();
    const { cube, map } = await loadScene(file, { data: values.data, map: values.map, nonFinite });
    const tLoad = performance.now();
    const stop = interruptible();
    const gpu = await createGpu();
    try {
      const { scores, settings } = await runModel(gpu, model, cube);
      const tModel = performance.now();
      const files = await writeOutputs(out, { cube, map, scores });
      const auc = scoreResult({ cube, map, scores });
      const summary = {
        scene: sceneStem(file), file, rows: cube.rows, cols: cube.cols, bands: cube.bands, model, settings, seed, auc,
        seconds: { load: (tLoad - t0) / 1e3, model: (tModel - tLoad) / 1e3, total: (performance.now() - t0) / 1e3 },
        adapter: describeGpu(gpu).adapter, out, files: { ...files, summary: 'summary.json' },
      };
      await writeAtomic(path.join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
      if (!values.json) report(summary.scene, model, auc, summary.seconds.model, out);
      else console.log(JSON.stringify(summary));
      return 0;
    } finally {
      stop.release();
      gpu.destroy();
    }
  },
};

function report(scene: string, model: string, auc: ReturnType<typeof scoreResult>, seconds: number, out: string): void {
  const a = auc ? `AUC(D,F) ${auc.aucDF.toFixed(4)}, AUC(D,τ) ${auc.aucDtau.toFixed(4)}, AUC(F,τ) ${auc.aucFtau.toFixed(4)}, SNPR ${auc.snpr.toFixed(2)} dB` : 'no ground-truth map: no AUCs';
  console.log(`${scene} ${model}: ${a} (${seconds.toFixed(2)} s); outputs in ${out}`);
}

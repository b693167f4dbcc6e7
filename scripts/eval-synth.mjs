// The detectors on synthetic scenes built to show the two ways a learned detector fell behind
// global RX on scenes outside ../shared/data (issue 20, docs/superad.md#generalisation):
//   dots    few, tiny, sub-pixel targets (6 single pixels at 10–30 % abundance), where RX is
//           already near 1 and a learned model can only lose;
//   panels  large multi-pixel panels (4 squares of 6–8 pixels at 70–95 %), which a model that
//           reconstructs a pixel from its neighbours can learn to reproduce (identity mapping).
// Each model runs from the registry with its defaults (what hsi detect runs); AUC(D,F) of the
// final model. Runs the built library: npm run build first.
//
//   node scripts/eval-synth.mjs [--models rx,bs3lnet,superad] [--kinds dots,panels] [--seeds 1,2] [--out results.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createGpu, findModel, rocAuc, synthScene } from '../dist/node/index.js';

const KINDS = {
  dots: { rows: 100, cols: 100, bands: 100, anomalies: 6, targetSize: [1, 1], fraction: [0.1, 0.3] },
  panels: { rows: 100, cols: 100, bands: 64, anomalies: 4, targetSize: [6, 8], fraction: [0.7, 0.95] },
};

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'rx,bs3lnet,superad' }, kinds: { type: 'string', default: 'dots,panels' },
    seeds: { type: 'string', default: '1' }, out: { type: 'string' },
  },
});
const list = (v) => v.split(',').filter(Boolean);
for (const k of list(values.kinds)) if (!(k in KINDS)) throw new Error(`eval-synth: --kinds: expected some of ${Object.keys(KINDS).join(', ')}, got ${k}`);
const gpu = await createGpu();
const rows = [];
for (const kind of list(values.kinds)) {
  for (const seed of list(values.seeds).map(Number)) {
    const { cube, map, targets } = synthScene({ ...KINDS[kind], seed });
    const pixels = map.data.reduce((n, v) => n + v, 0);
    for (const name of list(values.models)) {
      const t0 = performance.now();
      const r = await findModel(name, 'detect').run(gpu, cube, {});
      const row = { kind, seed, targets: targets.length, pixels, model: name, auc: rocAuc(r.scores, map.data), seconds: (performance.now() - t0) / 1000 };
      rows.push(row);
      console.log(`${kind} seed ${seed} (${row.targets} targets, ${pixels} pixels) ${name}: AUC ${row.auc.toFixed(4)} ${row.seconds.toFixed(0)} s`);
      if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 1));
    }
  }
}
gpu.destroy?.();

// Super-AD on several scenes in one process: the final model's AUC(D,F) (what hsi detect reports)
// and, every --every steps, the oracle AUC of the model as it stands (the curve the paper selects
// its reported step by; we only look at it to choose a preset on selection scenes and confirm on
// others, docs/superad.md#results). Runs the built library: npm run build first.
//
//   node scripts/eval-superad.mjs ../shared/data/had/HYDICE-II.mat … [--preset fast] [--steps N]
//     [--step-size N] [--gamma g] [--depth d] [--lr r] [--every N] [--seed S] [--out results.json]
//     [--avg-from f --avg-every N]: also the AUC of the mean of the score maps of the steps from
//     fraction f of the run on, every N steps, each divided by its own mean (a label-free rule)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGpu, readMatFile, rocAuc, superAdScores, superAdSettings, trainSuperAd } from '../dist/node/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    preset: { type: 'string', default: 'fast' }, steps: { type: 'string' }, 'step-size': { type: 'string' }, gamma: { type: 'string' }, depth: { type: 'string' }, lr: { type: 'string' },
    every: { type: 'string', default: '0' }, 'avg-from': { type: 'string' }, 'avg-every': { type: 'string', default: '10' }, seed: { type: 'string', default: '1' }, out: { type: 'string' },
  },
});
const num = (v) => (v === undefined ? undefined : Number(v));
const gpu = await createGpu();
const every = Number(values.every);
const rows = [];
for (const file of positionals) {
  const scene = path.basename(file, path.extname(file));
  const { cube, map } = await readMatFile(file);
  if (!map) throw new Error(`eval-superad: ${scene}: expected a ground-truth map, got none`);
  const truth = map.data;
  const curve = [];
  // Scoring reads back, which waits for the steps queued before it: training time is only
  // comparable with hsi detect's when --every is 0.
  const opts = {
    preset: values.preset, steps: num(values.steps), stepSize: num(values['step-size']), gamma: num(values.gamma), depth: num(values.depth), lr: num(values.lr), seed: Number(values.seed),
  };
  const { steps } = superAdSettings(opts);
  const avgFrom = values['avg-from'] === undefined ? Infinity : Math.round(Number(values['avg-from']) * steps);
  const avgEvery = Number(values['avg-every']);
  let avg = null;
  let avgCount = 0;
  const onStep = every > 0 || avgFrom < Infinity
    ? async (i, scores) => {
      const want = every > 0 && (i + 1) % every === 0;
      const take = i + 1 >= avgFrom && (steps - i - 1) % avgEvery === 0;
      if (!want && !take) return;
      const s = await scores();
      if (want) curve.push([i + 1, rocAuc(s, truth)]);
      if (take) {
        let m = 0;
        for (const v of s) m += v;
        m /= s.length;
        avg ??= new Float64Array(s.length);
        for (let j = 0; j < s.length; j++) avg[j] += s[j] / m;
        avgCount++;
      }
    }
    : undefined;
  const t0 = performance.now();
  const r = await trainSuperAd(gpu, cube, { ...opts, onStep });
  const auc = rocAuc(await superAdScores(r), truth);
  // Wall time of training and scoring: the loop's own seconds leave out the time its after-step
  // hook waits, which is where the oracle's readbacks wait for the queued steps.
  const seconds = (performance.now() - t0) / 1000;
  const avgAuc = avg ? rocAuc(Float32Array.from(avg), truth) : undefined;
  const row = { scene, size: `${cube.rows}×${cube.cols}×${cube.bands}`, settings: r.settings, superpixels: r.superpixels, auc, avgAuc, avgCount, seconds, oracleEvery: every, finalKept: r.kept.at(-1), oracleCurve: curve };
  r.dispose();
  rows.push(row);
  console.log(`${scene} ${row.size} AUC ${auc.toFixed(4)}${avg ? ` averaged (${avgCount} maps) ${avgAuc.toFixed(4)}` : ''} ${seconds.toFixed(0)} s` +
    (curve.length ? ` · oracle ${curve.map(([s, a]) => `${s}:${a.toFixed(4)}`).join(' ')}` : ''));
  if (values.out) writeFileSync(values.out, JSON.stringify(rows, null, 1));
}
gpu.destroy?.();

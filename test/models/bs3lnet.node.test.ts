// Node only (about 30 s): BS3LNet on the shipped HYDICE-II scene, 80×60×162, the non-square
// scene the reference code crashes on (its get_mirror_hsi swaps height and width). One paper
// step (100 patches 19×19 with static masks) and a short default run that already separates
// the anomalies. The full-length comparison with RX on every HAD scene is a measurement (README
// table), not a test: it takes minutes per scene on a CPU-class adapter.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readMat } from '../../src/data/mat.ts';
import { rocAuc } from '../../src/metrics/roc.ts';
import { bs3ResultScores, trainBs3lnet } from '../../src/models/bs3train.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';

const test = suite('models/bs3lnet-scenes');

test('HYDICE-II (80×60, non-square): a paper step runs; 30 fast steps (mining from 20) separate the anomalies', async () => {
  const gpu = await testGpu();
  const rel = 'had/HYDICE-II.mat';
  const bytes = await sharedData(rel);
  if (!bytes) return skipMissing('bs3lnet-scenes', rel);
  const { cube, map } = await readMat(bytes, 'HYDICE-II.mat', { mapKind: 'anomaly' });
  assert.equal([cube.rows, cube.cols, cube.bands], [80, 60, 162]);
  const paper = await trainBs3lnet(gpu, cube, { preset: 'paper', steps: 1 });
  assert.ok(Number.isFinite(paper.losses[0]) && paper.losses[0] > 0, `paper loss ${paper.losses[0]}`);
  paper.model.dispose();
  const fast = await trainBs3lnet(gpu, cube, { epochs: 30 });
  const auc = rocAuc(await bs3ResultScores(gpu, fast), map!.data);
  console.log(`\n  bs3lnet HYDICE-II, fast preset, 30 steps: AUC ${auc.toFixed(4)} (${fast.seconds.toFixed(1)} s)`);
  assert.ok(auc > 0.85, `AUC ${auc}`);
  fast.model.dispose();
});

test.run();

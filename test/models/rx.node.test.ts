// Node only (about 1 s per scene): global RX on every shared HAD scene against the README's
// independent float64 AUCs, and local RX on them (a sanity band, no published reference).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { globalRx } from '../../src/models/rx.ts';
import { localRx } from '../../src/models/lrx.ts';
import { readMat } from '../../src/data/mat.ts';
import { rocAuc } from '../../src/metrics/roc.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';

const test = suite('models/rx-scenes');

/** ../shared/data/README.md, "global RX AUC(D,F) (independent float64 reference)". */
const README_RX: Record<string, number> = {
  'HYDICE-II': 0.9272, 'abu-airport-2': 0.8404, 'abu-beach-2': 0.9106, 'abu-urban-1': 0.9907,
  Sandiego: 0.8885, Sandiego_v73: 0.8885, Pavia: 0.9934, HYDICE_urban_162band: 0.9824, muufl_tgt_det_demo: 0.6020,
};

test('global RX reproduces the README AUC(D,F) to 2e-4 on every HAD scene; LRX runs on each', async () => {
  const gpu = await testGpu();
  for (const [scene, expected] of Object.entries(README_RX)) {
    const rel = `had/${scene}.mat`;
    const bytes = await sharedData(rel);
    if (!bytes) {
      skipMissing('rx-scenes', rel);
      continue;
    }
    const { cube, map } = await readMat(bytes, `${scene}.mat`, { mapKind: 'anomaly' });
    const auc = rocAuc(await globalRx(gpu, cube), map!.data);
    assert.ok(Math.abs(auc - expected) <= 2e-4, `${scene}: RX AUC ${auc.toFixed(5)}, README ${expected}`);
    if (scene.startsWith('abu') || scene === 'muufl_tgt_det_demo') {
      const lrx = rocAuc(await localRx(gpu, cube), map!.data);
      assert.ok(lrx > 0.75 && lrx <= 1, `${scene}: LRX AUC ${lrx}`);
    }
  }
});

test.run();

// Node only: the app's worker takes a scene's map as anomaly truth exactly as `hsi detect` does
// (data/scene.ts anomalyTruth): a class-label map gives no AUCs and says why, a 0/1 map scores.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readSceneBytes } from '../../src/data/scene.ts';
import { runOnScene } from '../../src/web/runner.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';

const test = suite('web/truth');

async function rxOn(rel: string, name: string) {
  const bytes = await sharedData(rel);
  if (!bytes) return null;
  // What the app's scene loader does for a .mat: the map read as 'auto' (labels or 0/1).
  const scene = await readSceneBytes(name, bytes, { mapKind: 'auto' });
  const r = await runOnScene(await testGpu(), { ...scene, name, file: name, loadSeconds: 0 }, { task: 'detect', model: 'rx', options: {} }, {});
  if ('aborted' in r) throw new Error('rx does not stop');
  return r;
}

test('a class-label map (Indian Pines, 4 classes) is no anomaly truth: no AUCs, and the page is told why', async () => {
  const r = await rxOn('clust/Indian_pines_subset85x70.mat', 'Indian_pines_subset85x70.mat');
  if (!r) return skipMissing('web/truth', 'clust/Indian_pines_subset85x70.mat');
  assert.is(r.auc, null, 'the map is not scored as value > 0 (that gave AUC 0.28)');
  assert.match(r.truthNote ?? '', /not used as anomaly truth: .*a class-label map/);
  assert.not.ok('roc.csv' in r.files);
});

test('a 0/1 anomaly map is scored, with no note', async () => {
  const r = await rxOn('had/Sandiego.mat', 'Sandiego.mat');
  if (!r) return skipMissing('web/truth', 'had/Sandiego.mat');
  assert.ok(r.auc && Math.abs(r.auc.aucDF - 0.8885) < 1e-3, `AUC ${r.auc?.aucDF}`);
  assert.is(r.truthNote, undefined);
});

test.run();

// data/scene.ts anomalyTruth and readSceneBytes' 'truth' maps: a map is anomaly truth only with two
// values (0 background, >0 anomaly); others are not used, with a warning naming them and why.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { cubeVariable, mapVariable, writeMat } from '../../src/data/matwrite.ts';
import { anomalyTruth, readSceneBytes } from '../../src/data/scene.ts';
import { rejects, throwsLike } from '../harness/gpu.ts';

const test = suite('data/truth');
const cube = makeCube('c', 2, 3, 2, Float32Array.from({ length: 12 }, (_, i) => i));

test('two values, the smaller 0: a 0/1 map; one value: kept with a warning (AUC undefined)', () => {
  const t = anomalyTruth('s:m', cube, [0, 255, 0, 0, 255, 0]);
  assert.equal([...t.map!.data], [0, 1, 0, 0, 1, 0]);
  assert.is(t.warning, undefined);
  const one = anomalyTruth('s:m', cube, [0, 0, 0, 0, 0, 0]);
  assert.equal([...one.map!.data], [0, 0, 0, 0, 0, 0]);
  assert.is(one.warning, 's:m: the map has one class only (all 0): AUC undefined');
  assert.match(anomalyTruth('s:m', cube, [1, 1, 1, 1, 1, 1]).warning!, /one class only \(all 1\)/);
});

test('class labels, NaN, other pairs and wrong sizes are not used: a warning, or an error when named', () => {
  const labels = anomalyTruth('s:gt', cube, [0, 1, 2, 3, 1, 0]);
  assert.is(labels.map, undefined);
  assert.is(labels.warning, 's:gt: not used as anomaly truth: expected two values (0 background, 1 or more anomaly), got 4 values (0, 1, 2, 3), a class-label map; name a 0/1 map with map: \'<name>\'');
  assert.match(anomalyTruth('s:gt', cube, [1, 2, 1, 2, 1, 2]).warning!, /got 2 values \(1, 2\); name a 0\/1 map/);
  assert.match(anomalyTruth('s:gt', cube, [0, NaN, 0, 1, 0, 0]).warning!, /got NaN among the values/);
  assert.match(anomalyTruth('s:gt', cube, [0, 1]).warning!, /expected the cube's 2×3 = 6 values, got 2/);
  throwsLike(() => anomalyTruth('s:gt', cube, [0, 1, 2, 3, 1, 0], true), DataError, /^s:gt: not used as anomaly truth: .* a class-label map; pass a 0\/1 anomaly map$/);
});

test("readSceneBytes mapKind 'truth': the .mat's map checked, wrong-size maps warned, variables named", async () => {
  const labels = { rows: 2, cols: 3, data: [0, 1, 2, 0, 1, 2] };
  let s = await readSceneBytes('a.mat', writeMat([cubeVariable('data', cube), mapVariable('gt', labels)]), { mapKind: 'truth' });
  assert.is(s.map, undefined);
  assert.equal(s.warnings, ['a.mat:gt: not used as anomaly truth: expected two values (0 background, 1 or more anomaly), got 3 values (0, 1, 2), a class-label map; name a 0/1 map with map: \'<name>\'']);
  await rejects(readSceneBytes('a.mat', writeMat([cubeVariable('data', cube), mapVariable('gt', labels)]), { mapKind: 'truth', map: 'gt' }), DataError, /^a\.mat:gt: not used as anomaly truth/);
  s = await readSceneBytes('b.mat', writeMat([cubeVariable('data', cube), mapVariable('gt', { rows: 4, cols: 4, data: new Array(16).fill(0) })]), { mapKind: 'truth' });
  assert.equal([s.map, s.warnings], [undefined, ["b.mat:gt: not used as anomaly truth: expected the cube's 2×3, got 4×4"]]);
  s = await readSceneBytes('c.mat', writeMat([cubeVariable('cube', cube), mapVariable('truth', { rows: 2, cols: 3, data: [0, 0, 1, 0, 0, 0] })]), { mapKind: 'truth' });
  assert.equal([[...s.map!.data], s.warnings, s.variables], [[0, 0, 1, 0, 0, 0], [], { data: 'cube', map: 'truth' }]);
  // Labels stay labels for the other kinds (clustering, the app).
  s = await readSceneBytes('a.mat', writeMat([cubeVariable('data', cube), mapVariable('gt', labels)]), { mapKind: 'labels' });
  assert.equal([...s.map!.data], labels.data);
});

test('.npy: --layout chw reads bands × rows × cols; the hwc guess warns on few bands after a long first axis', async () => {
  const chw = Float32Array.from({ length: 120 * 4 * 3 }, (_, i) => i);
  const guess = await readSceneBytes('x.npy', writeNpy(chw, [120, 4, 3]));
  assert.equal([guess.cube.rows, guess.cube.cols, guess.cube.bands], [120, 4, 3]);
  assert.match(guess.warnings![0], /^x\.npy: read as rows×cols×bands = 120×4×3 \(layout 'hwc', the default guess\); if the array is bands×rows×cols \(120 bands\), pass layout: 'chw'$/);
  const told = await readSceneBytes('x.npy', writeNpy(chw, [120, 4, 3]), { layout: 'chw' });
  assert.equal([told.cube.rows, told.cube.cols, told.cube.bands, told.warnings], [4, 3, 120, []]);
  assert.is(told.cube.data[5], chw[5], 'chw is our band-sequential order');
});

test.run();

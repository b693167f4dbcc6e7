// Node only: `hsi cluster` as a user runs it: ground truth from the scene or a file of its own, K from it, outputs and metrics, usage errors.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';
import { readNpy, writeNpy } from '../../src/data/npy.ts';
import { clusterScores } from '../../src/metrics/cluster.ts';
import { readMatMap } from '../../src/data/mat.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';

const test = suite('cli/cluster');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-cluster-'));
const scene = '../shared/data/clust/Indian_pines_subset85x70.mat';

test('hsi cluster --model kmeans: K from the scene\'s label map, outputs written, metrics equal clusterScores of labels.npy', async () => {
  if (!(await sharedData('clust/Indian_pines_subset85x70.mat'))) return skipMissing('cli/cluster', 'clust/Indian_pines_subset85x70.mat');
  const out = path.join(dir, 'km');
  const { stdout } = await hsi(['cluster', scene, '--model', 'kmeans', '--restarts', '2', '--out', out, '--json']);
  const s = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.is(s.model, 'kmeans');
  assert.is(s.k, 4);
  for (const f of ['clusters.png', 'labels.npy', 'labels.mat', 'confusion.csv', 'summary.json']) assert.ok(existsSync(path.join(out, f)), f);
  const labels = readNpy(readFileSync(path.join(out, 'labels.npy')), 'labels.npy');
  assert.equal(labels.shape, [85, 70]);
  const gt = await readMatMap(readFileSync(scene), 'ip', { mapKind: 'labels' });
  const want = clusterScores(Int32Array.from(labels.data as Int32Array), gt.data, { clusters: 4 });
  assert.is(s.metrics.acc, want.acc);
  assert.is(s.metrics.nmi, want.nmi);
  assert.is(s.gt.labelled, 4391);
  assert.is(readFileSync(path.join(out, 'confusion.csv'), 'utf8').split('\n')[0], 'class,cluster 0,cluster 1,cluster 2,cluster 3');
});

test('hsi cluster --model sscc: training progress, then the assignment of every pixel as a pass of its own', async () => {
  if (!(await sharedData('clust/Indian_pines_subset85x70.mat'))) return skipMissing('cli/cluster', 'clust/Indian_pines_subset85x70.mat');
  const out = path.join(dir, 'sscc');
  const { stderr } = await hsi(['cluster', scene, '--model', 'sscc', '--epochs', '1', '--out', out, '--json']);
  assert.match(stderr, /^step \d+\/\d+ loss [\d.]+ · /m);
  assert.match(stderr, /^pixel 5950\/5950 [\d.e+]+ pixel\/s · /m);
  assert.ok(existsSync(path.join(out, 'summary.json')));
});

test('ground truth from a file of its own (--gt FILE[:VAR]); K required without one; usage errors exit 2', async () => {
  if (!(await sharedData('clust/SalinasA_gt.mat'))) return skipMissing('cli/cluster', 'clust/SalinasA_gt.mat');
  const salinas = '../shared/data/clust/SalinasA_corrected.mat';
  const gtFile = '../shared/data/clust/SalinasA_gt.mat';
  const r = await hsiFails(['cluster', salinas, '--model', 'kmeans']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--k: expected the number of clusters \(no ground truth was found/);
  const bad = await hsiFails(['cluster', salinas, '--model', 'kmeans', '--epochs', '3']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--epochs: not an option of --model kmeans/);
  const out = path.join(dir, 'salinas');
  const { stdout } = await hsi(['cluster', salinas, '--model', 'kmeans', '--restarts', '1', '--gt', `${gtFile}:salinasA_gt`, '--out', out, '--json']);
  const s = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.is(s.k, 6);
  assert.is(s.gt.source, 'SalinasA_gt.mat:salinasA_gt');
  assert.is(s.gt.labelled, 5348);
  // The same labels as a .npy of their own: read as class labels, same K and labelled pixels.
  const labels = await readMatMap(readFileSync(gtFile), 'SalinasA_gt.mat', { map: 'salinasA_gt', mapKind: 'labels' });
  const npy = path.join(dir, 'salinas_gt.npy');
  writeFileSync(npy, writeNpy(labels.data, [labels.rows, labels.cols]));
  const n = await hsi(['cluster', salinas, '--model', 'kmeans', '--restarts', '1', '--gt', npy, '--out', path.join(dir, 'salinas-npy'), '--json']);
  const sn = JSON.parse(n.stdout.trim().split('\n').at(-1)!);
  assert.equal([sn.k, sn.gt.source, sn.gt.labelled], [6, 'salinas_gt.npy', 5348]);
  const frac = path.join(dir, 'frac.npy');
  writeFileSync(frac, writeNpy(new Float32Array(labels.rows * labels.cols).fill(0.5), [labels.rows, labels.cols]));
  const f = await hsiFails(['cluster', salinas, '--model', 'kmeans', '--k', '6', '--gt', frac, '--out', path.join(dir, 'never')]);
  assert.is(f.code, 1);
  assert.match(f.stderr, /frac\.npy: labels: expected whole numbers ≥ 0 \(0 = unlabelled\), got 0\.5 at pixel 0/);
});

test.run();

// report/detect.ts and report/cluster.ts: the files a run produces as bytes (what `hsi detect` and
// `hsi cluster` write and the browser app downloads), checked by reading them back.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCube } from '../../src/data/cube.ts';
import { readNpy } from '../../src/data/npy.ts';
import { listMatVariables } from '../../src/data/mat.ts';
import { clusterFiles, clusterSummary } from '../../src/report/cluster.ts';
import { detectionFiles, detectionSummary, scoreResult } from '../../src/report/detect.ts';

const test = suite('report');
const [rows, cols, bands] = [6, 5, 3];
const cube = makeCube('s.mat:data', rows, cols, bands, Float32Array.from({ length: rows * cols * bands }, (_, i) => (i * 7) % 11));
const scores = Float32Array.from({ length: rows * cols }, (_, i) => i);
const info = { scene: 's', file: 's.mat', model: 'm', seconds: { load: 0, train: 0, model: 1, total: 1 }, adapter: {}, out: 's-m' };
const png = (b: Uint8Array | string): boolean => typeof b !== 'string' && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

test('detection: scores, pictures and the ROC only with a two-class map; AUC of a perfect ranking is 1', async () => {
  const plain = detectionFiles({ cube, scores });
  assert.equal(plain.names, { scoresTif: 'scores.tif', scoresNpy: 'scores.npy', scoresMat: 'scores.mat', scoreMap: 'scores.png', scene: 'scene.png', detections: 'detections.png' });
  assert.equal(Object.keys(plain.bytes).sort(), Object.values(plain.names).sort());
  assert.equal(readNpy(plain.bytes['scores.npy'] as Uint8Array).shape, [rows, cols]);
  assert.equal((await listMatVariables(plain.bytes['scores.mat'] as Uint8Array, 'scores.mat')).map((v) => [v.name, v.dims, v.class]), [['scores', [rows, cols], 'single']]);
  assert.ok(png(plain.bytes['scores.png']) && png(plain.bytes['scene.png']));
  assert.is(scoreResult({ cube, scores }), null);
  const map = { rows, cols, data: Int32Array.from(scores, (s) => (s >= 25 ? 1 : 0)) };
  assert.is(scoreResult({ cube, scores, map: { ...map, data: new Int32Array(rows * cols) } }), null, 'one class: no AUC');
  const withMap = detectionFiles({ cube, scores, map });
  assert.equal([withMap.names.roc, withMap.names.rocPlot, withMap.names.gtOverlay], ['roc.csv', 'roc.png', 'gt-overlay.png']);
  assert.ok(png(withMap.bytes['roc.png']) && png(withMap.bytes['gt-overlay.png']));
  const envi = detectionFiles({ cube, scores }, { formats: ['envi'] });
  assert.equal([envi.names.scoresEnvi, envi.names.scoresEnviData, envi.names.scoresNpy], ['scores.hdr', 'scores.img', undefined]);
  assert.is((withMap.bytes['roc.csv'] as string).split('\n')[0], 'threshold,pf,pd');
  const auc = scoreResult({ cube, scores, map })!;
  assert.equal([auc.aucDF, auc.anomalyPixels, auc.pdAtFar], [1, 5, { '0.001': 1, '0.01': 1 }]);
  const summary = detectionSummary({ ...info, seed: 3 }, cube, { scores, settings: {} }, auc, withMap.names);
  assert.equal([summary.seed, summary.rows, (summary.files as Record<string, string>).summary], [3, rows, 'summary.json']);
  // 30 pixels, 10 % false alarms: the threshold is the score ranked ⌊0.1·30⌋ = 3 from the top (0-based: 26), 3 pixels above it.
  assert.equal(detectionSummary({ ...info, far: 0.1 }, cube, { scores, settings: {} }, auc, withMap.names).detections, { far: 0.1, threshold: 26, detections: 3 });
  assert.is(summary.crs, null);
});

test('clustering: labels, picture, confusion and legend; metrics only with a ground truth', async () => {
  const labels = Int32Array.from({ length: rows * cols }, (_, i) => (i < 15 ? 0 : 1));
  const gt = { rows, cols, data: Int32Array.from({ length: rows * cols }, (_, i) => (i < 15 ? 2 : i < 29 ? 5 : 0)) };
  const made = clusterFiles({ cube, gt, labels, k: 2 });
  assert.equal(made.names, { clusters: 'clusters.png', labelsNpy: 'labels.npy', labelsMat: 'labels.mat', confusion: 'confusion.csv' });
  assert.equal(Array.from(readNpy(made.bytes['labels.npy'] as Uint8Array).data), Array.from(labels));
  assert.ok(png(made.bytes['clusters.png']));
  assert.equal((made.bytes['confusion.csv'] as string).trim().split('\n'), ['class,cluster 0,cluster 1', '2,15,0', '5,0,14']);
  assert.equal([made.metrics!.acc, made.legend.map((l) => l.class)], [1, [2, 5]]);
  const summary = clusterSummary({ ...info, gtSource: 'gt.mat', gpuPeakBytes: 0 }, { cube, gt, labels, k: 2 }, { labels, settings: { seed: 4 } }, made);
  assert.equal([summary.seed, summary.k, (summary.gt as { source: string }).source], [4, 2, 'gt.mat']);
  const bare = clusterFiles({ cube, labels, k: 2 });
  assert.equal([bare.metrics, bare.names.confusion, bare.legend.length], [null, undefined, 2]);
});

test.run();

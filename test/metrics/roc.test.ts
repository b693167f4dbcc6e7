import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { detectionScores, normaliseScores, rocAuc, rocCsv, rocCurve } from '../../src/metrics/roc.ts';
import { OptionError } from '../../src/errors.ts';
import { assertClose, rng, throwsLike } from '../harness/gpu.ts';
import { aucPairsRef, areaOverThresholdRef, trapezoidRef } from '../ref/roc.ts';

const test = suite('metrics/roc');

/** n scores with `k` anomalies scoring higher on average; scores rounded to create ties. */
function scene(n: number, k: number, seed: number, round: number) {
  const r = rng(seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < k; i++) labels[Math.floor(r() * n)] = 1 + (i % 3);
  const scores = Float64Array.from(labels, (l) => Math.round((r() + (l > 0 ? 0.4 : 0)) * round) / round);
  return { scores, labels };
}

test('AUC(D,F) by ranks equals the pairwise count, ties averaged', () => {
  for (const [n, k, round] of [[50, 7, 10], [1001, 37, 1000], [997, 500, 3], [3, 1, 1]]) {
    const { scores, labels } = scene(n, k, n, round);
    if (!labels.some((l) => l > 0) || labels.every((l) => l > 0)) continue;
    assertClose(`rocAuc n=${n}`, [rocAuc(scores, labels)], [aucPairsRef(scores, labels)], { atol: 1e-12, rtol: 0 });
  }
  assert.is(rocAuc([0.1, 0.9, 0.2], [0, 1, 0]), 1);
  assert.is(rocAuc([0.5, 0.5, 0.5], [0, 1, 0]), 0.5);
  assert.is(rocAuc([0.9, 0.1], [0, 1]), 0);
});

test('3D-ROC areas are the integrals of P_D(τ), P_F(τ); SNPR from them', () => {
  const { scores, labels } = scene(400, 30, 5, 1e6);
  const d = detectionScores(scores, labels);
  // The 3D-ROC threshold τ runs over min–max normalised scores (Chang 2021); normalised here
  // independently of normaliseScores, which is checked against it below.
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  const norm = Float64Array.from(scores, (v) => (v - lo) / (hi - lo));
  assertClose('normaliseScores', normaliseScores(scores), norm, { atol: 1e-15, rtol: 0 });
  // The midpoint rule converges as 1/steps for step functions: 20,000 steps gives ~1e-4.
  assertClose('AUC(D,τ)', [d.aucDtau], [areaOverThresholdRef(norm, labels, true, 20000)], { atol: 2e-4, rtol: 0 });
  assertClose('AUC(F,τ)', [d.aucFtau], [areaOverThresholdRef(norm, labels, false, 20000)], { atol: 2e-4, rtol: 0 });
  assertClose('SNPR', [d.snpr], [10 * Math.log10(d.aucDtau / d.aucFtau)], { atol: 1e-12, rtol: 0 });
  assert.is(d.anomalies + d.background, 400);
  assert.is(d.aucDF, rocAuc(scores, labels));
  assert.equal(Array.from(normaliseScores([3, 3])), [0, 0]);
});

test('the ROC curve runs (0,0) → (1,1), its trapezoid area is the AUC, and its CSV parses back', () => {
  const { scores, labels } = scene(777, 40, 9, 50);
  const curve = rocCurve(scores, labels);
  assert.equal([curve[0].pf, curve[0].pd], [0, 0]);
  assert.equal([curve[curve.length - 1].pf, curve[curve.length - 1].pd], [1, 1]);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i].threshold < curve[i - 1].threshold && curve[i].pf >= curve[i - 1].pf && curve[i].pd >= curve[i - 1].pd);
  assertClose('trapezoid = rank AUC', [trapezoidRef(curve)], [rocAuc(scores, labels)], { atol: 1e-12, rtol: 0 });
  const rows = rocCsv(curve).trim().split('\n');
  assert.is(rows[0], 'threshold,pf,pd');
  assert.is(rows.length, curve.length + 1);
  assert.equal(rows[5].split(',').map(Number), [curve[4].threshold, curve[4].pf, curve[4].pd]);
});

test('mismatched sizes, non-finite scores and one-class maps are refused clearly', () => {
  throwsLike(() => rocAuc([1, 2], [1]), Error, /rocAuc: map size: expected 2 labels for 2 scores, got 1/);
  throwsLike(() => rocAuc([1, NaN], [1, 0]), Error, /rocAuc: score 1: expected a finite number, got NaN/);
  throwsLike(() => rocAuc([1, 2], undefined as unknown as number[]), OptionError, /^rocAuc: labels: expected an array of numbers, got undefined$/);
  const map = { rows: 1, cols: 2, data: new Int32Array([0, 1]) };
  throwsLike(() => rocCurve([1, 2], map as unknown as number[]), OptionError, /^rocCurve: labels: expected an array of numbers, got an object without length \(a map\? pass its \.data\)$/);
  throwsLike(() => detectionScores(null as unknown as number[], [0, 1]), OptionError, /^detectionScores: scores: expected an array of numbers, got null$/);
  throwsLike(() => detectionScores([1, 2], [0, 0]), Error, /detectionScores: ground truth: expected both anomaly .* got 0 anomalies and 2 background/);
});

test.run();

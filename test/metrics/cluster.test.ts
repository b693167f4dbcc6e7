import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../src/errors.ts';
import { clusterScores, hungarian } from '../../src/metrics/cluster.ts';
import { assertClose, rng, throwsLike } from '../harness/gpu.ts';
// scikit-learn's values (scripts/golden/cluster_metrics.py); esbuild embeds the JSON in both bundles.
import fixture from '../fixtures/cluster-metrics.json';

const test = suite('metrics/cluster');
const tol = { atol: 1e-12, rtol: 0 };

test('every fixture case agrees with scikit-learn and scipy to 1e-12', () => {
  assert.ok(fixture.cases.length >= 12);
  for (const c of fixture.cases) {
    const e = c.expected;
    const got = clusterScores(Int32Array.from(c.pred), Int32Array.from(c.truth), { ignore: c.ignore, clusters: c.clusters ?? undefined });
    for (const key of ['acc', 'nmi', 'ari', 'purity'] as const) assertClose(`${c.name}: ${key}`, [got[key]], [e[key]], tol);
    if (e.kappa === null) assert.ok(Number.isNaN(got.kappa), `${c.name}: kappa: expected NaN (sklearn's 0/0), got ${got.kappa}`);
    else assertClose(`${c.name}: kappa`, [got.kappa], [e.kappa], tol);
    assert.equal(got.confusion, e.confusion, `${c.name}: confusion`);
    assert.equal(got.classes, e.classes, `${c.name}: classes`);
    // The same matching as scipy's, ties included: the mapping, per-class accuracy and kappa depend on it.
    assert.equal(Array.from(got.mapping), e.mapping, `${c.name}: mapping`);
    assert.equal(got.perClass.map((p) => [p.label, p.pixels]), e.perClass.map((p) => [p.label, p.pixels]), `${c.name}: perClass`);
    assertClose(`${c.name}: perClass accuracy`, got.perClass.map((p) => p.accuracy), e.perClass.map((p) => p.accuracy), tol);
    assert.is(got.clusters, e.clusters, `${c.name}: clusters`);
    assert.is(got.pixels, e.pixels, `${c.name}: pixels`);
  }
});

/** The minimum total cost over every injective map of the shorter side into the longer, by enumeration. */
function bruteMin(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0].length;
  const tall = cols < rows;
  const [m, n] = tall ? [cols, rows] : [rows, cols];
  const at = (i: number, j: number) => (tall ? cost[j][i] : cost[i][j]);
  const used = new Array<boolean>(n).fill(false);
  const walk = (i: number): number => {
    if (i === m) return 0;
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      used[j] = true;
      best = Math.min(best, at(i, j) + walk(i + 1));
      used[j] = false;
    }
    return best;
  };
  return walk(0);
}

/** Checks `a` is a valid assignment of min(rows, cols) pairs and returns its cost. */
function assignedCost(cost: number[][], a: Int32Array): number {
  const cols = cost[0].length;
  assert.is(a.length, cost.length);
  const taken = new Set<number>();
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0) continue;
    assert.ok(a[i] < cols && !taken.has(a[i]), `column ${a[i]} used twice or out of range`);
    taken.add(a[i]);
    total += cost[i][a[i]];
  }
  assert.is(taken.size, Math.min(cost.length, cols));
  return total;
}

test('hungarian finds the minimum of brute force on random square and rectangular matrices', () => {
  const r = rng(21);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(r() * 6);
    const cols = 1 + Math.floor(r() * 6);
    // Half real-valued, half small integers (many ties), some negative.
    const ints = trial % 2 === 1;
    const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (ints ? Math.floor(r() * 4) - 1 : r() * 10 - 3)));
    const got = assignedCost(cost, hungarian(cost));
    assertClose(`hungarian ${rows}x${cols} trial ${trial}`, [got], [bruteMin(cost)], { atol: 1e-12, rtol: 1e-12 });
  }
});

test('hungarian: scipy\'s conventions on constant, empty, tall and forbidden entries', () => {
  // A constant matrix gives the identity (scipy #11602), tall ones leave rows unmatched.
  assert.equal(Array.from(hungarian([[1, 1, 1], [1, 1, 1], [1, 1, 1]])), [0, 1, 2]);
  assert.equal(Array.from(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])), [1, 0, 2]);
  assert.equal(Array.from(hungarian([[1], [0], [2]])), [-1, 0, -1]);
  assert.equal(Array.from(hungarian([[5, 0, 9]])), [1]);
  assert.equal(Array.from(hungarian([])), []);
  assert.equal(Array.from(hungarian([[], []])), [-1, -1]);
  assert.equal(Array.from(hungarian([[Infinity, 1], [2, Infinity]])), [1, 0]);
  throwsLike(() => hungarian([[Infinity, Infinity], [1, 2]]), OptionError, /hungarian: cost: expected a feasible assignment/);
  throwsLike(() => hungarian([[1, 2], [3]]), OptionError, /hungarian: cost row 1: expected 2 columns like row 0, got 1/);
  throwsLike(() => hungarian([[1, NaN]]), OptionError, /hungarian: cost\[0\]\[1\]: expected a number or \+Infinity, got NaN/);
  throwsLike(() => hungarian([[-Infinity]]), OptionError, /hungarian: cost\[0\]\[0\]: expected a number or \+Infinity, got -Infinity/);
});

test('clusterScores: edge cases by hand', () => {
  // Identical up to relabelling, every pixel scored: all 1.
  const s = clusterScores(Int32Array.from([2, 2, 0, 0, 1]), Int32Array.from([0, 0, 5, 5, 7]), { ignore: null });
  assert.equal([s.acc, s.ari, s.kappa, s.purity], [1, 1, 1, 1]);
  assertClose('nmi', [s.nmi], [1], tol);
  assert.equal(Array.from(s.mapping), [5, 7, 0]);
  // Clusters seen only on unlabelled pixels stay columns; `clusters` adds empty ones.
  const u = clusterScores(Int32Array.from([0, 1, 3, 0]), Int32Array.from([1, 1, 0, 2]), { clusters: 5 });
  assert.equal(u.confusion, [[1, 1, 0, 0, 0], [1, 0, 0, 0, 0]]);
  assert.is(u.pixels, 3);
  assert.equal(Array.from(u.mapping), [2, 1, -1, -1, -1]);
  assert.equal(u.perClass, [{ label: 1, pixels: 2, accuracy: 0.5 }, { label: 2, pixels: 1, accuracy: 1 }]);
  // Fewer clusters than classes: an unmatched class scores 0.
  const f = clusterScores(Int32Array.from([0, 0, 0, 0]), Int32Array.from([1, 1, 2, 3]));
  assert.equal(f.perClass.map((p) => p.accuracy), [1, 0, 0]);
  assert.equal([f.acc, f.nmi, f.ari, f.kappa], [0.5, 0, 0, 0]);
});

test('clusterScores: mismatched lengths, negative clusters, a small k and no labelled pixel are refused', () => {
  throwsLike(() => clusterScores(new Int32Array(3), new Int32Array(4)), OptionError, /^clusterScores: pred: expected 4 values like truth, got 3$/);
  throwsLike(() => clusterScores(Int32Array.from([0, -1, 1]), Int32Array.from([1, 1, 2])), OptionError, /clusterScores: pred: expected cluster indices ≥ 0, got -1 at pixel 1/);
  throwsLike(() => clusterScores(Int32Array.from([0, 4]), Int32Array.from([1, 2]), { clusters: 4 }), OptionError, /clusterScores: clusters: expected an integer ≥ 5 .*, got 4/);
  throwsLike(() => clusterScores(Int32Array.from([0, 1]), Int32Array.from([1, 2]), { clusters: 2.5 }), OptionError, /clusterScores: clusters: expected an integer ≥ 2/);
  throwsLike(() => clusterScores(Int32Array.from([0, 1]), Int32Array.from([0, 0])), OptionError, /clusterScores: truth: expected at least one labelled pixel, got 2 pixels all 0/);
  throwsLike(() => clusterScores(Int32Array.from([0, 1]), Int32Array.from([-1, 2])), OptionError, /clusterScores: truth: expected class labels ≥ 0 .*, got -1 at pixel 0/);
  // -1 as the ignore label is fine: it is never scored.
  assert.is(clusterScores(Int32Array.from([0, 1]), Int32Array.from([-1, 2]), { ignore: -1 }).pixels, 1);
});

test.run();

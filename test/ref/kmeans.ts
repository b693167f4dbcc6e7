/**
 * Independent float64 references for k-means (src/models/kmeans.ts): plain Lloyd from given
 * centroids with scikit-learn's stopping rule and empty-cluster relocation, written directly
 * from the definitions (exact ‖x − c‖² distances, no blocks, no GPU), and a brute-force
 * clustering accuracy (best one-to-one map of clusters to classes over all permutations) used
 * until the Hungarian-matched metrics exist.
 */

export interface LloydRefResult {
  labels: Int32Array;
  centroids: Float64Array;
  inertia: number;
  iterations: number;
}

interface Assignment {
  labels: Int32Array;
  dist: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
  inertia: number;
}

function assignRef(x: ArrayLike<number>, n: number, d: number, c: Float64Array, k: number): Assignment {
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let inertia = 0;
  for (let p = 0; p < n; p++) {
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += (x[p * d + f] - c[j * d + f]) ** 2;
      if (s < bestD) {
        bestD = s;
        best = j;
      }
    }
    labels[p] = best;
    dist[p] = bestD;
    inertia += bestD;
    counts[best]++;
    for (let f = 0; f < d; f++) sums[best * d + f] += x[p * d + f];
  }
  return { labels, dist, sums, counts, inertia };
}

/**
 * Lloyd's k-means from `init` (k × d): assign, relocate empty clusters to the farthest points
 * (descending distance, lower index first), average, stop when Σ‖Δc‖² ≤ tol · mean feature
 * variance (after one more assignment) or after maxIter updates.
 */
export function lloydRef(x: ArrayLike<number>, n: number, d: number, init: ArrayLike<number>, k: number, maxIter = 300, tol = 1e-4): LloydRefResult {
  let varSum = 0;
  for (let f = 0; f < d; f++) {
    let m = 0;
    for (let p = 0; p < n; p++) m += x[p * d + f];
    m /= n;
    let v = 0;
    for (let p = 0; p < n; p++) v += (x[p * d + f] - m) ** 2;
    varSum += v / n;
  }
  const tolScaled = (tol * varSum) / d;
  let c = Float64Array.from(init);
  let a = assignRef(x, n, d, c, k);
  let it = 0;
  while (it < maxIter) {
    const empty = [...Array(k).keys()].filter((j) => a.counts[j] === 0);
    if (empty.length > 0) {
      const order = [...Array(n).keys()].sort((p, q) => a.dist[q] - a.dist[p] || p - q);
      empty.forEach((j, i) => {
        const p = order[i];
        const old = a.labels[p];
        for (let f = 0; f < d; f++) {
          a.sums[old * d + f] -= x[p * d + f];
          a.sums[j * d + f] = x[p * d + f];
        }
        a.counts[old]--;
        a.counts[j] = 1;
      });
    }
    const next = new Float64Array(k * d);
    let shift = 0;
    for (let i = 0; i < k * d; i++) {
      const j = Math.floor(i / d);
      next[i] = a.counts[j] > 0 ? a.sums[i] / a.counts[j] : c[i];
      shift += (next[i] - c[i]) ** 2;
    }
    c = next;
    it++;
    if (shift === 0) break;
    a = assignRef(x, n, d, c, k);
    if (shift <= tolScaled) break;
  }
  return { labels: a.labels, centroids: c, inertia: a.inertia, iterations: it };
}

/**
 * Clustering accuracy over the pixels with truth > 0: the best one-to-one map of clusters 0…k−1
 * to the classes present (class ids in ascending order, e.g. SalinasA's 1, 10…14) over all
 * permutations (at most 8 clusters and classes), as Hungarian matching finds it.
 */
export function accBruteForce(pred: ArrayLike<number>, truth: ArrayLike<number>, k: number): number {
  const ids = [...new Set(Array.from(truth).filter((t) => t > 0))].sort((a, b) => a - b);
  const m = Math.max(k, ids.length);
  if (m > 8) throw new Error(`accBruteForce: clusters and classes: expected at most 8, got ${m}`);
  const table = new Float64Array(m * m); // [cluster, class index]
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] <= 0) continue;
    table[pred[i] * m + ids.indexOf(truth[i])]++;
    total++;
  }
  let best = 0;
  const perm = [...Array(m).keys()];
  const visit = (i: number, acc: number): void => {
    if (i === m) {
      best = Math.max(best, acc);
      return;
    }
    for (let j = i; j < m; j++) {
      [perm[i], perm[j]] = [perm[j], perm[i]];
      visit(i + 1, acc + table[i * m + perm[i]]);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
  };
  visit(0, 0);
  return best / total;
}

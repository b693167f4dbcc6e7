/**
 * Clustering metrics against a ground-truth map, in float64 on the CPU, defined as scikit-learn
 * 1.2 defines them and checked against it (scripts/golden/cluster_metrics.py): ACC with the best
 * one-to-one matching of clusters to classes, NMI (arithmetic normalisation), Cohen's kappa of
 * the matched labels, ARI on the raw clusters, purity, per-class accuracy and the confusion.
 * SSCC's evaluation (docs/sscc.md#evaluation) takes ARI and purity on the matched labels; with
 * k = the number of classes, the only case its code runs, the matching is a bijection and both
 * are the same numbers.
 *
 * The matching is ours, not a package's. npm has `munkres` (TypeScript, no dependencies,
 * rectangular, maintained), `munkres-js` (a 2014 CommonJS port that pads to square),
 * `hungarian-on3` and `linear-sum-assignment` (which pulls in ml-matrix). `munkres` would do the
 * optimisation, but when optimal matchings tie (a cluster split evenly between two classes) ACC
 * is the same whichever is chosen while the mapping, per-class accuracy and kappa are not, so the
 * choice has to be one a reference reproduces; a package leaves it unspecified. `hungarian` is
 * scipy's `linear_sum_assignment` (Crouse's shortest augmenting path as in P. M. Larsen's
 * rectangular_lsap.cpp, O(n²m)), with its tie-breaking: the same matrix gives the same assignment,
 * ties included, checked against scipy on tied cases. ~90 lines, no dependency for the library.
 */
import { OptionError } from '../errors.ts';

export interface ClusterScores {
  /** Best one-to-one matching of clusters to classes (Hungarian), over the labelled pixels. */
  acc: number;
  /** Normalised mutual information, arithmetic mean of the entropies (sklearn's default). */
  nmi: number;
  /** Cohen's kappa of the matched labels; NaN when both are one and the same label (as sklearn). */
  kappa: number;
  /** Adjusted Rand index of the raw clusters (invariant to relabelling). */
  ari: number;
  /** Σ over clusters of the largest class count in it, over the labelled pixels. */
  purity: number;
  /** Per ground-truth class, on the matched labels (0 for a class no cluster matched). */
  perClass: { label: number; pixels: number; accuracy: number }[];
  /** Counts: rows the ground-truth classes (ascending label), columns the clusters 0..k-1. */
  confusion: number[][];
  /** The ground-truth labels, ascending. */
  classes: number[];
  /** Cluster → matched class label, or -1 for a cluster left unmatched. */
  mapping: Int32Array;
  /** k, the columns of the confusion. */
  clusters: number;
  /** Labelled pixels scored. */
  pixels: number;
}

/** scipy's shortest-augmenting-path state for an nr × nc cost (nr ≤ nc), row-major. */
class Lsap {
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly spc: Float64Array;
  readonly path: Int32Array;
  readonly col4row: Int32Array;
  readonly row4col: Int32Array;
  readonly sr: Uint8Array;
  readonly sc: Uint8Array;
  readonly remaining: Int32Array;

  constructor(readonly cost: Float64Array, readonly nr: number, readonly nc: number) {
    this.u = new Float64Array(nr);
    this.v = new Float64Array(nc);
    this.spc = new Float64Array(nc);
    this.path = new Int32Array(nc).fill(-1);
    this.col4row = new Int32Array(nr).fill(-1);
    this.row4col = new Int32Array(nc).fill(-1);
    this.sr = new Uint8Array(nr);
    this.sc = new Uint8Array(nc);
    this.remaining = new Int32Array(nc);
  }

  /** Dijkstra on reduced costs from row i to the nearest free column: [sink, its distance]. */
  augmentingPath(i: number): [number, number] {
    const { cost, nc, u, v, spc, path, row4col, sr, sc, remaining } = this;
    let minVal = 0;
    let left = nc;
    // Filled in reverse so that a constant matrix gives the identity (scipy #11602).
    for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
    sr.fill(0);
    sc.fill(0);
    spc.fill(Infinity);
    for (;;) {
      let index = -1;
      let lowest = Infinity;
      sr[i] = 1;
      for (let it = 0; it < left; it++) {
        const j = remaining[it];
        const r = minVal + cost[i * nc + j] - u[i] - v[j];
        if (r < spc[j]) {
          path[j] = i;
          spc[j] = r;
        }
        // Among equal distances prefer a free column: it ends the path (scipy's rule).
        if (spc[j] < lowest || (spc[j] === lowest && row4col[j] === -1)) {
          lowest = spc[j];
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Infinity) return [-1, minVal];
      const j = remaining[index];
      sc[j] = 1;
      remaining[index] = remaining[--left];
      if (row4col[j] === -1) return [j, minVal];
      i = row4col[j];
    }
  }

  /** Adds row `cur` to the matching: one augmenting path, then the dual update. */
  addRow(cur: number): boolean {
    const { u, v, spc, path, col4row, row4col, sr, sc } = this;
    const [sink, minVal] = this.augmentingPath(cur);
    if (sink < 0) return false;
    u[cur] += minVal;
    for (let i = 0; i < this.nr; i++) if (sr[i] && i !== cur) u[i] += minVal - spc[col4row[i]];
    for (let j = 0; j < this.nc; j++) if (sc[j]) v[j] -= minVal - spc[j];
    for (let j = sink; ; ) {
      const i = path[j];
      row4col[j] = i;
      const next = col4row[i];
      col4row[i] = j;
      j = next;
      if (i === cur) return true;
    }
  }
}

/**
 * Minimum-cost assignment of a rows × cols cost matrix (rectangular allowed): assignment[row] =
 * col or -1, min(rows, cols) pairs. Entries may be +Infinity (forbidden), not NaN or -Infinity.
 * The same result as scipy's `linear_sum_assignment`, ties broken as it breaks them.
 */
export function hungarian(cost: number[][]): Int32Array {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0].length;
  for (let i = 0; i < rows; i++) {
    if (cost[i].length !== cols) throw new OptionError('hungarian', `cost row ${i}: expected ${cols} columns like row 0, got ${cost[i].length}`);
    for (let j = 0; j < cols; j++) {
      const c = cost[i][j];
      if (Number.isNaN(c) || c === -Infinity || typeof c !== 'number') throw new OptionError('hungarian', `cost[${i}][${j}]: expected a number or +Infinity, got ${c}`);
    }
  }
  const out = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return out;
  // The algorithm wants at least as many columns as rows; scipy transposes a tall matrix too.
  const tall = cols < rows;
  const [nr, nc] = tall ? [cols, rows] : [rows, cols];
  const flat = new Float64Array(nr * nc);
  for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) flat[i * nc + j] = tall ? cost[j][i] : cost[i][j];
  const lsap = new Lsap(flat, nr, nc);
  for (let r = 0; r < nr; r++) {
    if (!lsap.addRow(r)) throw new OptionError('hungarian', 'cost: expected a feasible assignment, got +Infinity on every way to complete it');
  }
  if (!tall) return lsap.col4row;
  for (let r = 0; r < nr; r++) out[lsap.col4row[r]] = r;
  return out;
}

interface Counts {
  confusion: number[][];
  classes: number[];
  clusters: number;
  pixels: number;
}

/** Validates the inputs and counts the labelled pixels into classes × clusters. */
function count(pred: Int32Array, truth: Int32Array, ignore: number | null, k?: number): Counts {
  const op = 'clusterScores';
  if (pred.length !== truth.length) throw new OptionError(op, `pred: expected ${truth.length} values like truth, got ${pred.length}`);
  let top = -1;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] < 0) throw new OptionError(op, `pred: expected cluster indices ≥ 0, got ${pred[i]} at pixel ${i}`);
    if (pred[i] > top) top = pred[i];
  }
  if (k !== undefined && !(Number.isInteger(k) && k > top && k >= 1)) {
    throw new OptionError(op, `clusters: expected an integer ≥ ${Math.max(top + 1, 1)} (the largest cluster index + 1), got ${k}`);
  }
  const clusters = k ?? Math.max(top + 1, 1);
  const seen = new Set<number>();
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === ignore) continue;
    if (truth[i] < 0) throw new OptionError(op, `truth: expected class labels ≥ 0 (or the ignore label ${ignore}), got ${truth[i]} at pixel ${i}`);
    seen.add(truth[i]);
  }
  if (seen.size === 0) throw new OptionError(op, `truth: expected at least one labelled pixel, got ${truth.length} pixels all ${ignore}; pass ignore: null to score them all`);
  const classes = [...seen].sort((a, b) => a - b);
  const row = new Map(classes.map((c, i) => [c, i]));
  const confusion = classes.map(() => new Array<number>(clusters).fill(0));
  let pixels = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === ignore) continue;
    confusion[row.get(truth[i])!][pred[i]]++;
    pixels++;
  }
  return { confusion, classes, clusters, pixels };
}

/** Row and column sums of a count matrix. */
function margins(c: number[][], k: number): [number[], number[]] {
  const a = c.map((r) => r.reduce((s, x) => s + x, 0));
  const b = new Array<number>(k).fill(0);
  for (const r of c) for (let j = 0; j < k; j++) b[j] += r[j];
  return [a, b];
}

/** −Σ p log p of nonzero counts, as sklearn's entropy computes it (log a − log n). */
function entropy(counts: number[], n: number): number {
  const nz = counts.filter((x) => x > 0);
  if (nz.length <= 1) return 0;
  let h = 0;
  for (const x of nz) h -= (x / n) * (Math.log(x) - Math.log(n));
  return h;
}

/** sklearn's normalized_mutual_info_score (arithmetic) from the confusion, special cases included. */
function nmi(c: number[][], a: number[], b: number[], n: number): number {
  const rows = a.filter((x) => x > 0).length;
  const cols = b.filter((x) => x > 0).length;
  // Both labellings constant: "a perfect match" (1); one constant: MI = 0, so NMI = 0.
  if (rows === 1 && cols === 1) return 1;
  if (rows === 1 || cols === 1) return 0;
  const logN = Math.log(n);
  let mi = 0;
  for (let i = 0; i < c.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const x = c[i][j];
      if (x === 0) continue;
      const p = x / n;
      const t = p * (Math.log(x) - logN) + p * (-Math.log(a[i] * b[j]) + logN + logN);
      // sklearn zeroes terms below machine epsilon before summing, then clips at 0.
      if (Math.abs(t) >= Number.EPSILON) mi += t;
    }
  }
  if (mi <= 0) return 0;
  return mi / ((entropy(a, n) + entropy(b, n)) / 2);
}

/** sklearn's adjusted_rand_score from the pair confusion (ordered pairs), in exact integers. */
function ari(c: number[][], a: number[], b: number[], n: number): number {
  const big = BigInt;
  let ss = 0n;
  for (const r of c) for (const x of r) ss += big(x) * big(x);
  const sq = (v: number[]) => v.reduce((s, x) => s + big(x) * big(x), 0n);
  const nn = big(n);
  const tp = ss - nn;
  const fp = sq(b) - ss;
  const fn = sq(a) - ss;
  const tn = nn * nn - fp - fn - ss;
  if (fn === 0n && fp === 0n) return 1;
  return (2 * Number(tp * tn - fn * fp)) / Number((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/**
 * Clustering scores of `pred` (cluster per pixel, 0..k-1) against `truth` (class per pixel).
 * Pixels whose truth is `ignore` (default 0, "unlabelled" in HSI ground truths; null scores every
 * pixel) are left out; clusters seen only there stay columns of the confusion. `clusters` sets k
 * (default: the largest index + 1), so clusters that came out empty are counted too.
 */
export function clusterScores(pred: Int32Array, truth: Int32Array, opts: { ignore?: number | null; clusters?: number } = {}): ClusterScores {
  const ignore = opts.ignore === undefined ? 0 : opts.ignore;
  const { confusion, classes, clusters, pixels: n } = count(pred, truth, ignore, opts.clusters);
  const [a, b] = margins(confusion, clusters);
  // Maximise matched pixels = minimise their negation (scipy's maximize=True negates too).
  const assign = hungarian(confusion.map((r) => r.map((x) => -x)));
  const mapping = new Int32Array(clusters).fill(-1);
  let correct = 0;
  let agree = 0; // Σ over classes of (true count × count predicted as that class)
  const perClass = classes.map((label, i) => {
    const j = assign[i];
    const hit = j >= 0 ? confusion[i][j] : 0;
    if (j >= 0) {
      mapping[j] = label;
      correct += hit;
      agree += a[i] * b[j];
    }
    return { label, pixels: a[i], accuracy: hit / a[i] };
  });
  let purity = 0;
  for (let j = 0; j < clusters; j++) purity += Math.max(...confusion.map((r) => r[j]));
  // sklearn: κ = 1 − Σ_{i≠j} observed / Σ_{i≠j} expected, expected = outer(margins) / n; 0/0 = NaN.
  const kappa = 1 - (n - correct) / ((n * n - agree) / n);
  return {
    acc: correct / n, nmi: nmi(confusion, a, b, n), kappa, ari: ari(confusion, a, b, n), purity: purity / n,
    perClass, confusion, classes, mapping, clusters, pixels: n,
  };
}

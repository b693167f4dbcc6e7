/**
 * Float64 references for the contrastive losses, written from the definitions (docs/sscc.md#losses,
 * SSCC's contrastive_loss.py) with plain loops: the full similarity matrix, explicit logits
 * lists, a direct log-sum-exp. Inputs are flat row-major arrays.
 */

/** Rows of concat(a, b) ([n, f] each), L2-normalised with the norm clamped at eps. */
function normalisedRows(a: ArrayLike<number>, b: ArrayLike<number>, n: number, f: number, eps: number): number[][] {
  const rows: number[][] = [];
  for (const src of [a, b]) {
    for (let i = 0; i < n; i++) {
      const r = Array.from({ length: f }, (_, k) => src[i * f + k]);
      const norm = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
      rows.push(r.map((v) => v / Math.max(norm, eps)));
    }
  }
  return rows;
}

/** NT-Xent over the 2n rows of two [n, f] views (InstanceLoss). */
export function ntXentRef(zi: ArrayLike<number>, zj: ArrayLike<number>, n: number, f: number, tau: number, eps = 1e-12): number {
  const z = normalisedRows(zi, zj, n, f, eps);
  const m = 2 * n;
  const sim = (a: number, b: number): number => z[a].reduce((s, v, k) => s + v * z[b][k], 0) / tau;
  let total = 0;
  for (let a = 0; a < m; a++) {
    const pos = a < n ? a + n : a - n;
    const logits = [sim(a, pos)];
    for (let b = 0; b < m; b++) if (b !== a && b !== pos) logits.push(sim(a, b));
    const mx = Math.max(...logits);
    const lse = mx + Math.log(logits.reduce((s, v) => s + Math.exp(v - mx), 0));
    total += lse - logits[0];
  }
  return total / m;
}

/**
 * Analytic float64 gradient of ntXentRef w.r.t. zi and zj (each [n, f], concatenated) for
 * large cases where central differences are too slow; it is itself checked against central
 * differences of ntXentRef in the test. From the full matrices: G_ab = dL/ds_ab =
 * (softmax_{b≠a}(s_a·)_b − [b = pos(a)]) / 2n, dL/dz_a = Σ_b (G_ab + G_ba) z_b / τ, and through
 * z = x/‖x‖: dL/dx = (dL/dz − z (z·dL/dz)) / ‖x‖ (norms above eps).
 */
export function ntXentGradRef(zi: ArrayLike<number>, zj: ArrayLike<number>, n: number, f: number, tau: number): Float64Array {
  const z = normalisedRows(zi, zj, n, f, 1e-12);
  const m = 2 * n;
  const s = z.map((za) => z.map((zb) => za.reduce((acc, v, k) => acc + v * zb[k], 0) / tau));
  const g = s.map((row, a) => {
    let mx = -Infinity;
    for (let b = 0; b < m; b++) if (b !== a) mx = Math.max(mx, row[b]);
    let tot = 0;
    for (let b = 0; b < m; b++) if (b !== a) tot += Math.exp(row[b] - mx);
    return row.map((v, b) => (b === a ? 0 : Math.exp(v - mx) / tot - (b === (a + n) % m ? 1 : 0)) / m);
  });
  const dx = new Float64Array(m * f);
  for (let a = 0; a < m; a++) {
    const dz = new Float64Array(f);
    for (let b = 0; b < m; b++) for (let k = 0; k < f; k++) dz[k] += ((g[a][b] + g[b][a]) * z[b][k]) / tau;
    const src = a < n ? zi : zj;
    const row = a % n;
    let norm = 0;
    for (let k = 0; k < f; k++) norm += src[row * f + k] ** 2;
    norm = Math.sqrt(norm);
    const proj = z[a].reduce((acc, v, k) => acc + v * dz[k], 0);
    for (let k = 0; k < f; k++) dx[a * f + k] = (dz[k] - z[a][k] * proj) / norm;
  }
  return dx;
}

/** [n, k] → [k, n]. */
function transposed(c: ArrayLike<number>, n: number, k: number): Float64Array {
  const t = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) t[j * n + i] = c[i * k + j];
  return t;
}

/** log K + Σ p log p of the normalised column sums of c [n, k]. */
function entropyRef(c: ArrayLike<number>, n: number, k: number): number {
  const p = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) p[j] += c[i * k + j];
  const tot = p.reduce((s, v) => s + v, 0);
  return Math.log(k) + p.reduce((s, v) => s + (v / tot) * Math.log(v / tot), 0);
}

/** ClusterLoss: NT-Xent over the 2k cluster columns (cosine similarity) + entropy terms. */
export function clusterContrastiveRef(ci: ArrayLike<number>, cj: ArrayLike<number>, n: number, k: number, tau: number): number {
  const inst = ntXentRef(transposed(ci, n, k), transposed(cj, n, k), k, n, tau);
  return inst + entropyRef(ci, n, k) + entropyRef(cj, n, k);
}

/** BatchNorm1d(affine=False), training mode, over the rows of c [n, k]. */
function batchNormRef(c: ArrayLike<number>, n: number, k: number, eps: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += c[i * k + j] / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (c[i * k + j] - mu) ** 2 / n;
    for (let i = 0; i < n; i++) out[i * k + j] = (c[i * k + j] - mu) / Math.sqrt(v + eps);
  }
  return out;
}

/** CrossCorrelationLoss (Barlow Twins) of two [n, k] views. */
export function barlowTwinsRef(ci: ArrayLike<number>, cj: ArrayLike<number>, n: number, k: number, lambda: number, eps = 1e-5): number {
  const a = batchNormRef(ci, n, k, eps);
  const b = batchNormRef(cj, n, k, eps);
  let loss = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += a[i * k + p] * b[i * k + q];
      c /= n;
      loss += p === q ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

/**
 * Plain-TypeScript twins of assembly/pca.ts, the float64 references for its tests. The
 * eigensolver is deliberately a different algorithm (cyclic Jacobi rotations) from the
 * kernel's Householder + QL, so agreement is not an artefact of shared code.
 */

/** Band means and sample covariance (divisor N − 1) of a C×H×W cube, pixel by pixel. */
export function covarianceRef(data: ArrayLike<number>, bands: number): { mean: number[]; cov: Float64Array } {
  const plane = data.length / bands;
  const mean = new Array<number>(bands).fill(0);
  for (let b = 0; b < bands; b++) {
    for (let p = 0; p < plane; p++) mean[b] += data[b * plane + p];
    mean[b] /= plane;
  }
  const cov = new Float64Array(bands * bands);
  const x = new Float64Array(bands);
  for (let p = 0; p < plane; p++) {
    for (let b = 0; b < bands; b++) x[b] = data[b * plane + p] - mean[b];
    for (let i = 0; i < bands; i++) for (let j = 0; j <= i; j++) cov[i * bands + j] += x[i] * x[j];
  }
  for (let i = 0; i < bands; i++) {
    for (let j = 0; j <= i; j++) {
      cov[i * bands + j] /= plane - 1;
      cov[j * bands + i] = cov[i * bands + j];
    }
  }
  return { mean, cov };
}

/** Cyclic Jacobi: eigenvalues descending and eigenvectors as rows (sign as the kernel fixes it). */
export function jacobiEigenRef(a: ArrayLike<number>, n: number): { values: number[]; vectors: number[][] } {
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => a[i * n + j]));
  const V = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (norm += A[i][j] ** 2), i !== j && (off += A[i][j] ** 2);
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) rotate(A, V, p, q);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j][j] - A[i][i]);
  const vectors = order.map((i) => {
    const v = V.map((row) => row[i]);
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(v[k]) > Math.abs(v[big])) big = k;
    return v[big] < 0 ? v.map((x) => -x) : v;
  });
  return { values: order.map((i) => A[i][i]), vectors };
}

/** A ← JᵀAJ with the rotation J in the (p, q) plane that zeroes A[p][q]; V ← VJ. */
function rotate(A: number[][], V: number[][], p: number, q: number): void {
  const apq = A[p][q];
  if (apq === 0) return;
  const theta = (A[q][q] - A[p][p]) / (2 * apq);
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (const M of [A, V]) {
    for (const row of M) {
      const kp = row[p];
      const kq = row[q];
      row[p] = c * kp - s * kq;
      row[q] = s * kp + c * kq;
    }
  }
  const rp = A[p];
  const rq = A[q];
  for (let k = 0; k < rp.length; k++) {
    const pk = rp[k];
    const qk = rq[k];
    rp[k] = c * pk - s * qk;
    rq[k] = s * pk + c * qk;
  }
}

/** (x − mean) · component_j for every pixel: k×H×W in f64. */
export function projectRef(data: ArrayLike<number>, bands: number, mean: ArrayLike<number>, components: number[][]): Float64Array {
  const plane = data.length / bands;
  const out = new Float64Array(components.length * plane);
  components.forEach((w, j) => {
    for (let p = 0; p < plane; p++) {
      let s = 0;
      for (let b = 0; b < bands; b++) s += w[b] * (data[b * plane + p] - mean[b]);
      out[j * plane + p] = s;
    }
  });
  return out;
}

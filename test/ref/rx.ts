/**
 * Float64 references for RX and LRX written independently of src/models: explicit loops,
 * covariance solves by Gaussian elimination with partial pivoting (no eigendecomposition).
 */

/** Solves A x = b (n × n row-major) in float64; A and b are copied. */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[piv * n + col])) piv = r;
    for (let k = 0; k < n; k++) [m[col * n + k], m[piv * n + k]] = [m[piv * n + k], m[col * n + k]];
    [x[col], x[piv]] = [x[piv], x[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / m[col * n + col];
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

/** Mean and unbiased covariance of the pixel set `pix` (each a band vector), with ridge·trace/n + absRidge on the diagonal. */
function moments(pix: Float64Array[], nb: number, relRidge: number, absRidge: number): { mu: Float64Array; cov: Float64Array } {
  const n = pix.length;
  const mu = new Float64Array(nb);
  for (const p of pix) for (let b = 0; b < nb; b++) mu[b] += p[b] / n;
  const cov = new Float64Array(nb * nb);
  for (const p of pix) {
    for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) cov[i * nb + j] += (p[i] - mu[i]) * (p[j] - mu[j]) / (n - 1);
  }
  let trace = 0;
  for (let i = 0; i < nb; i++) trace += cov[i * nb + i];
  for (let i = 0; i < nb; i++) cov[i * nb + i] += relRidge * trace / nb + absRidge;
  return { mu, cov };
}

/** (x − μ)ᵀ C⁻¹ (x − μ). */
function quadratic(x: Float64Array, { mu, cov }: { mu: Float64Array; cov: Float64Array }): number {
  const z = Float64Array.from(x, (v, b) => v - mu[b]);
  const w = solve(cov, z, x.length);
  return z.reduce((s, v, b) => s + v * w[b], 0);
}

/** Mahalanobis distance of `x` to the pixel set `pix`, with ridge·trace/n. */
function distance(x: Float64Array, pix: Float64Array[], relRidge: number): number {
  return quadratic(x, moments(pix, x.length, relRidge, 0));
}

const pixel = (data: ArrayLike<number>, rows: number, cols: number, bands: number, r: number, c: number): Float64Array =>
  Float64Array.from({ length: bands }, (_, b) => data[(b * rows + r) * cols + c]);

/** Global RX: every pixel against the whole scene, (Σ + ridge·I)⁻¹ (with ridge 0 the covariance must be regular). */
export function globalRxRef(data: ArrayLike<number>, rows: number, cols: number, bands: number, ridge = 0): Float64Array {
  const all: Float64Array[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) all.push(pixel(data, rows, cols, bands, r, c));
  const m = moments(all, bands, 0, ridge);
  return Float64Array.from(all, (x) => quadratic(x, m));
}

/**
 * Eigenvalues (descending) and unit eigenvectors (rows) of a symmetric n × n matrix by cyclic
 * Jacobi rotations: a different algorithm from the library's Householder + QL.
 */
export function jacobiEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (m[p * n + q] === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [mkp, mkq] = [m[k * n + p], m[k * n + q]];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const [mpk, mqk] = [m[p * n + k], m[q * n + k]];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [v[k * n + p], v[k * n + q]];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((i, r) => { for (let k = 0; k < n; k++) vectors[r * n + k] = v[k * n + i]; });
  return { values, vectors };
}

/**
 * LRX as the library defines it for dims < bands: project the centred scene on the top `dims`
 * eigenvectors of its unbiased sample covariance (Jacobi, float64), then dual-window RX on
 * those components.
 */
export function localRxPcaRef(data: ArrayLike<number>, rows: number, cols: number, bands: number, outer: number, inner: number, dims: number, relRidge: number): Float64Array {
  const p = rows * cols;
  const mu = new Float64Array(bands);
  for (let b = 0; b < bands; b++) for (let q = 0; q < p; q++) mu[b] += data[b * p + q] / p;
  const cov = new Float64Array(bands * bands);
  for (let i = 0; i < bands; i++) {
    for (let j = 0; j < bands; j++) for (let q = 0; q < p; q++) cov[i * bands + j] += (data[i * p + q] - mu[i]) * (data[j * p + q] - mu[j]) / (p - 1);
  }
  const { vectors } = jacobiEigen(cov, bands);
  const y = new Float64Array(dims * p);
  for (let k = 0; k < dims; k++) {
    for (let q = 0; q < p; q++) for (let b = 0; b < bands; b++) y[k * p + q] += vectors[k * bands + b] * (data[b * p + q] - mu[b]);
  }
  return localRxRef(y, rows, cols, dims, outer, inner, relRidge);
}

/** Dual-window RX on all bands: the outer window minus the inner one, clipped to the image. */
export function localRxRef(data: ArrayLike<number>, rows: number, cols: number, bands: number, outer: number, inner: number, relRidge: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const ho = outer >> 1;
  const hi = inner >> 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const bg: Float64Array[] = [];
      for (let y = r - ho; y <= r + ho; y++) {
        for (let x = c - ho; x <= c + ho; x++) {
          const inside = y >= 0 && y < rows && x >= 0 && x < cols;
          const guard = Math.abs(y - r) <= hi && Math.abs(x - c) <= hi;
          if (inside && !guard) bg.push(pixel(data, rows, cols, bands, y, x));
        }
      }
      out[r * cols + c] = distance(pixel(data, rows, cols, bands, r, c), bg, relRidge);
    }
  }
  return out;
}

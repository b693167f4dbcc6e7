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

/** Mahalanobis distance of `x` to the pixel set `pix` (each a band vector), with ridge·trace/n. */
function distance(x: Float64Array, pix: Float64Array[], relRidge: number): number {
  const nb = x.length;
  const n = pix.length;
  const mu = new Float64Array(nb);
  for (const p of pix) for (let b = 0; b < nb; b++) mu[b] += p[b] / n;
  const cov = new Float64Array(nb * nb);
  for (const p of pix) {
    for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) cov[i * nb + j] += (p[i] - mu[i]) * (p[j] - mu[j]) / (n - 1);
  }
  let trace = 0;
  for (let i = 0; i < nb; i++) trace += cov[i * nb + i];
  for (let i = 0; i < nb; i++) cov[i * nb + i] += relRidge * trace / nb;
  const z = Float64Array.from(x, (v, b) => v - mu[b]);
  const w = solve(cov, z, nb);
  return z.reduce((s, v, b) => s + v * w[b], 0);
}

const pixel = (data: ArrayLike<number>, rows: number, cols: number, bands: number, r: number, c: number): Float64Array =>
  Float64Array.from({ length: bands }, (_, b) => data[(b * rows + r) * cols + c]);

/** Global RX: every pixel against the whole scene (no ridge; the covariance must be regular). */
export function globalRxRef(data: ArrayLike<number>, rows: number, cols: number, bands: number): Float64Array {
  const all: Float64Array[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) all.push(pixel(data, rows, cols, bands, r, c));
  return Float64Array.from(all, (x) => distance(x, all, 0));
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

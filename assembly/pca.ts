// Principal components of a band-sequential cube (C×H×W), all in f64:
//   bandCovariance  band means and the C×C sample covariance (divisor N − 1);
//   symmetricEigen  Householder reduction to tridiagonal form, then the implicit QL iteration
//                   with Wilkinson shifts (EISPACK tred2 + tql2; Wilkinson & Reinsch, Handbook
//                   for Automatic Computation II, 1971), eigenvalues in descending order;
//   pcaProject      the centred cube projected on k components, as a k×H×W f32 cube.
// Signs: each eigenvector is flipped so that its largest-magnitude entry is positive, which
// makes the result deterministic for comparisons (a component is only defined up to sign).

function checkShape(fn: string, n: i32, bands: i32): i32 {
  if (bands <= 0) throw new Error(fn + ': bands: expected a positive count, got ' + bands.toString());
  if (n % bands != 0 || n / bands < 2) {
    throw new Error(fn + ': cube length: expected a multiple of ' + bands.toString() + ' bands with at least 2 pixels, got ' + n.toString());
  }
  return n / bands;
}

/** [mean_0..mean_{C−1}, cov (C×C row-major)]: the sample covariance with divisor N − 1. */
export function bandCovariance(data: Float32Array, bands: i32): Float64Array {
  const plane = checkShape('bandCovariance', data.length, bands);
  const out = new Float64Array(bands + bands * bands);
  // A centred f64 copy: the products below then lose nothing to a large band mean.
  const c = new Float64Array(data.length);
  for (let b = 0; b < bands; b++) {
    const o = b * plane;
    let sum = 0.0;
    for (let p = 0; p < plane; p++) {
      const v = <f64>unchecked(data[o + p]);
      if (!isFinite(v)) throw new Error('bandCovariance: value at band ' + b.toString() + ', pixel ' + p.toString() + ': expected a finite number, got ' + v.toString());
      sum += v;
    }
    const mean = sum / <f64>plane;
    unchecked(out[b] = mean);
    for (let p = 0; p < plane; p++) unchecked(c[o + p] = <f64>unchecked(data[o + p]) - mean);
  }
  const div = 1.0 / <f64>(plane - 1);
  for (let i = 0; i < bands; i++) {
    for (let j = i; j < bands; j++) {
      const v = dot(c.dataStart, i * plane, j * plane, plane) * div;
      unchecked(out[bands + i * bands + j] = v);
      unchecked(out[bands + j * bands + i] = v);
    }
  }
  return out;
}

/**
 * Dot product of rows i and j (offsets) of the f64 array at `a`, four partial sums so the adds
 * pipeline. Raw loads: typed-array indexing spills to the GC shadow stack on every access.
 */
function dot(a: usize, i: i32, j: i32, n: i32): f64 {
  const pi = a + (<usize>i << 3);
  const pj = a + (<usize>j << 3);
  let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  let p = 0;
  for (; p + 4 <= n; p += 4) {
    const o = <usize>p << 3;
    s0 += load<f64>(pi + o) * load<f64>(pj + o);
    s1 += load<f64>(pi + o, 8) * load<f64>(pj + o, 8);
    s2 += load<f64>(pi + o, 16) * load<f64>(pj + o, 16);
    s3 += load<f64>(pi + o, 24) * load<f64>(pj + o, 24);
  }
  for (; p < n; p++) s0 += load<f64>(pi + (<usize>p << 3)) * load<f64>(pj + (<usize>p << 3));
  return (s0 + s1) + (s2 + s3);
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major; only its lower triangle is read):
 * [λ_0 ≥ … ≥ λ_{n−1}, then eigenvector i as row i (n×n)]. Aborts on NaN/Inf or no convergence.
 */
export function symmetricEigen(a: Float64Array, n: i32): Float64Array {
  if (n <= 0 || a.length != n * n) throw new Error('symmetricEigen: matrix: expected ' + n.toString() + '² values, got ' + a.length.toString());
  for (let i = 0; i < n * n; i++) {
    if (!isFinite(unchecked(a[i]))) throw new Error('symmetricEigen: entry ' + i.toString() + ': expected a finite number, got ' + unchecked(a[i]).toString());
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) unchecked(v[i * n + j] = unchecked(a[i * n + j]));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, n, d, e);
  // tql2 rotates columns of V; rotate rows of its transpose instead, which are contiguous.
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) unchecked(z[j * n + i] = unchecked(v[i * n + j]));
  qlImplicit(z, n, d, e);
  return sortAndSign(z, n, d);
}

/**
 * tred2: V (lower triangle of A on entry) becomes the orthogonal Q with Qᵀ A Q tridiagonal;
 * d gets its diagonal, e its subdiagonal (e[i] couples i−1 and i, e[0] = 0).
 */
function tridiagonalize(v: Float64Array, n: i32, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) unchecked(d[j] = unchecked(v[(n - 1) * n + j]));
  for (let i = n - 1; i > 0; i--) {
    let scale = 0.0;
    for (let k = 0; k < i; k++) scale += Math.abs(unchecked(d[k]));
    let h = 0.0;
    if (scale == 0.0) {
      unchecked(e[i] = unchecked(d[i - 1]));
      for (let j = 0; j < i; j++) {
        unchecked(d[j] = unchecked(v[(i - 1) * n + j]));
        unchecked(v[i * n + j] = 0.0);
        unchecked(v[j * n + i] = 0.0);
      }
    } else {
      h = householderStep(v, n, d, e, i, scale);
    }
    unchecked(d[i] = h);
  }
  accumulate(v, n, d, e);
}

/** One Householder reflection that zeroes row i left of the subdiagonal; returns ‖u‖²/2. */
function householderStep(v: Float64Array, n: i32, d: Float64Array, e: Float64Array, i: i32, scale: f64): f64 {
  let h = 0.0;
  for (let k = 0; k < i; k++) {
    unchecked(d[k] /= scale);
    h += unchecked(d[k]) * unchecked(d[k]);
  }
  let f = unchecked(d[i - 1]);
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  unchecked(e[i] = scale * g);
  h -= f * g;
  unchecked(d[i - 1] = f - g);
  for (let j = 0; j < i; j++) unchecked(e[j] = 0.0);
  // e = A u (A's lower triangle, stored in v), then p = e/h and K = uᵀp/2h; e -= K u.
  for (let j = 0; j < i; j++) {
    f = unchecked(d[j]);
    unchecked(v[j * n + i] = f);
    g = unchecked(e[j]) + unchecked(v[j * n + j]) * f;
    for (let k = j + 1; k <= i - 1; k++) {
      g += unchecked(v[k * n + j]) * unchecked(d[k]);
      unchecked(e[k] += unchecked(v[k * n + j]) * f);
    }
    unchecked(e[j] = g);
  }
  f = 0.0;
  for (let j = 0; j < i; j++) {
    unchecked(e[j] /= h);
    f += unchecked(e[j]) * unchecked(d[j]);
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) unchecked(e[j] -= hh * unchecked(d[j]));
  // A −= u qᵀ + q uᵀ on the lower triangle.
  for (let j = 0; j < i; j++) {
    f = unchecked(d[j]);
    g = unchecked(e[j]);
    for (let k = j; k <= i - 1; k++) unchecked(v[k * n + j] -= f * unchecked(e[k]) + g * unchecked(d[k]));
    unchecked(d[j] = unchecked(v[(i - 1) * n + j]));
    unchecked(v[i * n + j] = 0.0);
  }
  return h;
}

/** Builds Q from the stored Householder vectors (second half of tred2). */
function accumulate(v: Float64Array, n: i32, d: Float64Array, e: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    unchecked(v[(n - 1) * n + i] = unchecked(v[i * n + i]));
    unchecked(v[i * n + i] = 1.0);
    const h = unchecked(d[i + 1]);
    if (h != 0.0) {
      for (let k = 0; k <= i; k++) unchecked(d[k] = unchecked(v[k * n + i + 1]) / h);
      for (let j = 0; j <= i; j++) {
        let g = 0.0;
        for (let k = 0; k <= i; k++) g += unchecked(v[k * n + i + 1]) * unchecked(v[k * n + j]);
        for (let k = 0; k <= i; k++) unchecked(v[k * n + j] -= g * unchecked(d[k]));
      }
    }
    for (let k = 0; k <= i; k++) unchecked(v[k * n + i + 1] = 0.0);
  }
  for (let j = 0; j < n; j++) {
    unchecked(d[j] = unchecked(v[(n - 1) * n + j]));
    unchecked(v[(n - 1) * n + j] = 0.0);
  }
  unchecked(v[(n - 1) * n + n - 1] = 1.0);
  unchecked(e[0] = 0.0);
}

/** tql2 on the tridiagonal (d, e); z holds Qᵀ (rows are Q's columns) and is rotated in place. */
function qlImplicit(z: Float64Array, n: i32, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) unchecked(e[i - 1] = unchecked(e[i]));
  unchecked(e[n - 1] = 0.0);
  let f = 0.0;
  let tst1 = 0.0;
  const eps = Math.pow(2.0, -52.0);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(unchecked(d[l])) + Math.abs(unchecked(e[l])));
    let m = l;
    while (m < n - 1 && Math.abs(unchecked(e[m])) > eps * tst1) m++;
    let iter = 0;
    while (m > l && Math.abs(unchecked(e[l])) > eps * tst1) {
      if (++iter > 60) throw new Error('symmetricEigen: the QL iteration did not converge for eigenvalue ' + l.toString());
      f += qlSweep(z, n, d, e, l, m);
    }
    unchecked(d[l] = unchecked(d[l]) + f);
    unchecked(e[l] = 0.0);
  }
}

/** One implicit QL step with a Wilkinson shift on the block l..m; returns the shift applied. */
function qlSweep(z: Float64Array, n: i32, d: Float64Array, e: Float64Array, l: i32, m: i32): f64 {
  let g = unchecked(d[l]);
  let p = (unchecked(d[l + 1]) - g) / (2.0 * unchecked(e[l]));
  let r = Math.hypot(p, 1.0);
  if (p < 0) r = -r;
  unchecked(d[l] = unchecked(e[l]) / (p + r));
  unchecked(d[l + 1] = unchecked(e[l]) * (p + r));
  const dl1 = unchecked(d[l + 1]);
  let h = g - unchecked(d[l]);
  for (let i = l + 2; i < n; i++) unchecked(d[i] -= h);
  const shift = h;
  p = unchecked(d[m]);
  let c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0;
  const el1 = unchecked(e[l + 1]);
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * unchecked(e[i]);
    h = c * p;
    r = Math.hypot(p, unchecked(e[i]));
    unchecked(e[i + 1] = s * r);
    s = unchecked(e[i]) / r;
    c = p / r;
    p = c * unchecked(d[i]) - s * g;
    unchecked(d[i + 1] = h + s * (c * g + s * unchecked(d[i])));
    rotateRows(z.dataStart + (<usize>(i * n) << 3), z.dataStart + (<usize>((i + 1) * n) << 3), n, c, s);
  }
  p = -s * s2 * c3 * el1 * unchecked(e[l]) / dl1;
  unchecked(e[l] = s * p);
  unchecked(d[l] = c * p);
  return shift;
}

/** (row a, row b) ← (c·a − s·b, s·a + c·b) over n f64 values at raw addresses. */
function rotateRows(a: usize, b: usize, n: i32, c: f64, s: f64): void {
  for (let k = 0; k < n; k++) {
    const o = <usize>k << 3;
    const za = load<f64>(a + o);
    const zb = load<f64>(b + o);
    store<f64>(b + o, s * za + c * zb);
    store<f64>(a + o, c * za - s * zb);
  }
}

/** Packs [eigenvalues descending, eigenvectors as rows], each with its largest entry positive. */
function sortAndSign(z: Float64Array, n: i32, d: Float64Array): Float64Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) unchecked(order[i] = i);
  // Insertion sort: n is a band count (hundreds), and it keeps equal eigenvalues in QL order.
  for (let i = 1; i < n; i++) {
    const o = unchecked(order[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(d[unchecked(order[j])]) < unchecked(d[o])) {
      unchecked(order[j + 1] = unchecked(order[j]));
      j--;
    }
    unchecked(order[j + 1] = o);
  }
  const out = new Float64Array(n + n * n);
  for (let i = 0; i < n; i++) {
    const src = unchecked(order[i]) * n;
    unchecked(out[i] = unchecked(d[unchecked(order[i])]));
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(unchecked(z[src + k])) > Math.abs(unchecked(z[src + big]))) big = k;
    const sign = unchecked(z[src + big]) < 0 ? -1.0 : 1.0;
    for (let k = 0; k < n; k++) unchecked(out[n + i * n + k] = sign * unchecked(z[src + k]));
  }
  return out;
}

/**
 * (x − mean) projected on the first k rows of `components` (k×C): a k×H×W f32 cube,
 * accumulated in f64 band by band so each pass reads one contiguous plane.
 */
export function pcaProject(data: Float32Array, bands: i32, mean: Float64Array, components: Float64Array, k: i32): Float32Array {
  const plane = checkShape('pcaProject', data.length, bands);
  if (mean.length != bands) throw new Error('pcaProject: mean: expected ' + bands.toString() + ' values, got ' + mean.length.toString());
  if (k <= 0 || components.length < k * bands) {
    throw new Error('pcaProject: components: expected ' + k.toString() + '×' + bands.toString() + ' values, got ' + components.length.toString());
  }
  const out = new Float32Array(k * plane);
  const acc = new Float64Array(plane);
  for (let j = 0; j < k; j++) {
    acc.fill(0);
    for (let b = 0; b < bands; b++) {
      axpyCentred(acc.dataStart, data.dataStart + (<usize>(b * plane) << 2), plane, unchecked(components[j * bands + b]), unchecked(mean[b]));
    }
    for (let p = 0; p < plane; p++) unchecked(out[j * plane + p] = <f32>unchecked(acc[p]));
  }
  return out;
}

/** acc[p] += w · (x[p] − m) for p < n; acc f64 and x f32 at raw addresses. */
function axpyCentred(acc: usize, x: usize, n: i32, w: f64, m: f64): void {
  for (let p = 0; p < n; p++) {
    const a = acc + (<usize>p << 3);
    store<f64>(a, load<f64>(a) + w * (<f64>load<f32>(x + (<usize>p << 2)) - m));
  }
}

/**
 * Principal component analysis of a cube in WebAssembly (assembly/pca.ts), all in f64: band
 * means, the sample covariance (divisor N − 1), a Householder + implicit-QL eigensolver, and
 * the projection of the centred cube on the top k components.
 */
import { countNonFinite, DataError, type Cube } from './cube.ts';
import { withWasm } from './wasm.ts';

export interface Pca {
  /** k×C row-major: component i is row i, unit length, its largest-magnitude entry positive. */
  components: Float64Array;
  /** The k largest eigenvalues of the covariance (variances along the components), descending. */
  eigenvalues: Float64Array;
  /** Fraction of the total variance each component explains. */
  explainedRatio: Float64Array;
  /** Band means that were subtracted before projecting. */
  mean: Float64Array;
  /** The centred cube projected on the components: k bands, same rows and cols. */
  cube: Cube;
}

/** Eigen-decomposition of a symmetric n×n matrix (row-major): eigenvalues descending, vectors as rows. */
export async function symmetricEigen(a: Float64Array, n: number): Promise<{ values: Float64Array; vectors: Float64Array }> {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new DataError('symmetricEigen', `matrix: expected ${n}×${n} values, got ${a.length}`);
  }
  const bad = a.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new DataError('symmetricEigen', `entry (${Math.floor(bad / n)}, ${bad % n}): expected a finite number, got ${a[bad]}`, 'the matrix came from data with NaN/Inf or values beyond float64');
  }
  const out = await withWasm((w) => w.symmetricEigen(a, n));
  return { values: out.slice(0, n), vectors: out.slice(n) };
}

/**
 * The top-k principal components of `cube` and its projection on them.
 * Throws a DataError on k outside 1..bands, fewer than 2 pixels or NaN/Inf values.
 */
export async function pca(cube: Cube, k: number): Promise<Pca> {
  const source = cube.name ?? 'cube';
  const { bands } = cube;
  if (!Number.isInteger(k) || k < 1 || k > bands) {
    throw new DataError(source, `pca: k: expected an integer in 1..${bands}, got ${k}`, 'ask for at most as many components as bands');
  }
  if (cube.rows * cube.cols < 2) throw new DataError(source, `pca: expected at least 2 pixels, got ${cube.rows * cube.cols}`);
  const bad = countNonFinite(cube.data);
  if (bad > 0) {
    throw new DataError(source, `pca: ${bad} NaN/Inf values in the cube`, "fill them first with handleNonFinite(cube, 'zero' | 'band-mean')");
  }
  return withWasm((w) => {
    const cov = w.bandCovariance(cube.data, bands);
    const mean = cov.slice(0, bands);
    const eig = w.symmetricEigen(cov.subarray(bands), bands);
    const components = eig.slice(bands, bands + k * bands);
    const data = w.pcaProject(cube.data, bands, mean, components, k);
    let total = 0;
    for (let i = 0; i < bands; i++) total += eig[i];
    const eigenvalues = eig.slice(0, k);
    const explainedRatio = eigenvalues.map((v) => (total > 0 ? v / total : 0));
    const { wavelengths: _, ...rest } = cube;
    return { components, eigenvalues, explainedRatio, mean, cube: { ...rest, bands: k, data, name: `${source}:pca${k}` } };
  });
}

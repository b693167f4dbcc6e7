/** Plain-TypeScript twin of assembly/moments.ts: the float64 reference for its test. */
export function bandMomentsRef(cube: ArrayLike<number>, bands: number): { mean: number[]; variance: number[] } {
  const pixels = cube.length / bands;
  const mean = new Array<number>(bands).fill(0);
  const variance = new Array<number>(bands).fill(0);
  for (let b = 0; b < bands; b++) {
    for (let p = 0; p < pixels; p++) mean[b] += cube[p * bands + b];
    mean[b] /= pixels;
    for (let p = 0; p < pixels; p++) variance[b] += (cube[p * bands + b] - mean[b]) ** 2;
    variance[b] /= pixels;
  }
  return { mean, variance };
}

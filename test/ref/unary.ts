/** Float64 references of the unary functions (erf to ~1e-13 by series and continued fraction). */
export function erf(x: number): number {
  // Maclaurin series below 3 (terms stay < 1e4, so ~1e-12 is kept); erfc's continued fraction above.
  const a = Math.abs(x);
  if (a >= 3) {
    let f = a;
    for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
    return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
  }
  let sum = 0;
  let term = a;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-a * a) / (n + 1);
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
}

export const unaryRef: Record<string, (x: number, alpha: number, beta: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  clamp: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
};

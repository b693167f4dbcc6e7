/**
 * Float64 references of superpixel pooling and unpooling: plain loops over pixels, as
 * torch_scatter's scatter(…, reduce="mean") and the gather U[:, p] = T[:, ℓ(p)] (docs/superad.md#token-path).
 * Labels outside [0, S) follow the engine's documented choice: ignored, unpooled to 0.
 */

/** x [rows, N] (row-major) → [rows, S]: the mean of each row over each label's pixels (0 if none). */
export function superpixelPoolRef(x: ArrayLike<number>, labels: ArrayLike<number>, count: number): Float64Array {
  const n = labels.length;
  const rows = x.length / n;
  const sum = new Float64Array(rows * count);
  const num = new Float64Array(count);
  for (let p = 0; p < n; p++) {
    const l = labels[p];
    if (l < 0 || l >= count) continue;
    num[l]++;
    for (let r = 0; r < rows; r++) sum[r * count + l] += x[r * n + p];
  }
  for (let r = 0; r < rows; r++) for (let s = 0; s < count; s++) if (num[s] > 0) sum[r * count + s] /= num[s];
  return sum;
}

/** tokens [rows, S] → [rows, N]: out[r, p] = tokens[r, ℓ(p)], 0 where ℓ(p) is out of range. */
export function superpixelUnpoolRef(tokens: ArrayLike<number>, labels: ArrayLike<number>, count: number): Float64Array {
  const n = labels.length;
  const rows = tokens.length / count;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < n; p++) {
      const l = labels[p];
      if (l >= 0 && l < count) out[r * n + p] = tokens[r * count + l];
    }
  }
  return out;
}

/** Float64 references of the losses (plain loops; PyTorch's definitions). */
import type { Shape } from '../../src/index.ts';

export type RefReduction = 'mean' | 'sum' | 'none';

function reduce(per: Float64Array, reduction: RefReduction, count = per.length): Float64Array {
  if (reduction === 'none') return per;
  const s = per.reduce((a, b) => a + b, 0);
  return Float64Array.of(reduction === 'sum' ? s : s / count);
}

export function l1Ref(p: ArrayLike<number>, t: ArrayLike<number>, reduction: RefReduction): Float64Array {
  return reduce(Float64Array.from(p, (v, i) => Math.abs(v - t[i])), reduction);
}

export function mseRef(p: ArrayLike<number>, t: ArrayLike<number>, reduction: RefReduction): Float64Array {
  return reduce(Float64Array.from(p, (v, i) => (v - t[i]) ** 2), reduction);
}

export interface CeRefOptions {
  reduction?: RefReduction;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C, d…] (or [C]) against class indices [N, d…]: per row
 * −Σ_c q_c log p_c with q = (1 − ε)·onehot + ε/C and p the softmax over C. Rows whose target is
 * ignoreIndex or out of range give 0 and do not count in the mean (a mean of none is 0).
 */
export function crossEntropyRef(x: ArrayLike<number>, shape: Shape, targets: ArrayLike<number>, o: CeRefOptions = {}): Float64Array {
  const { reduction = 'mean', ignoreIndex = -100, labelSmoothing: eps = 0 } = o;
  const N = shape.length === 1 ? 1 : shape[0];
  const C = shape.length === 1 ? shape[0] : shape[1];
  const D = shape.slice(2).reduce((a, b) => a * b, 1);
  const per = new Float64Array(N * D);
  let count = 0;
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const t = targets[n * D + d];
      if (t === ignoreIndex || t < 0 || t >= C) continue;
      count++;
      const row = Array.from({ length: C }, (_, c) => x[(n * C + c) * D + d]);
      const m = row.reduce((a, b) => Math.max(a, b));
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      let l = 0;
      for (let c = 0; c < C; c++) l -= ((c === t ? 1 - eps : 0) + eps / C) * (row[c] - lse);
      per[n * D + d] = l;
    }
  }
  if (reduction === 'mean' && count === 0) return Float64Array.of(0);
  return reduce(per, reduction, count);
}

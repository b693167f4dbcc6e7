/**
 * Float64 references of the segment CSR and of online background pixel mining. obpmRef follows
 * the reference code (Super-AD `SuperAD/OBPM.py`, the code form in docs/superad.md#obpm) step by
 * step, not the engine's local form: per superpixel s, a row of H·W losses masked to s (0
 * elsewhere); min over s's pixels (0 if none); the row sorted, then its zeros replaced by that
 * min; d = diff with the first entry prepended (d_0 = 0); conv1d with kernel ones/7 and zero
 * padding 3; the first argmax q_g; T = sorted[q_g], or 10⁴ when (H·W − q_g) ≥ n_s·(1 − th_idx);
 * a pixel's kept loss is the sum over rows of where(row ≤ T, row, 0).
 */

/** offsets [S + 1] and pixels grouped by label (ascending pixel inside a label), bad labels last. */
export function segmentsRef(labels: ArrayLike<number>, count: number): { offsets: number[]; pixels: number[] } {
  const groups: number[][] = Array.from({ length: count + 1 }, () => []);
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p];
    groups[l >= 0 && l < count ? l : count].push(p);
  }
  const offsets = [0];
  for (let s = 0; s < count; s++) offsets.push(offsets[s] + groups[s].length);
  return { offsets, pixels: groups.flat() };
}

/** Each label's values ascending, in label order, then the out-of-range labels' values ascending. */
export function segmentSortRef(values: ArrayLike<number>, labels: ArrayLike<number>, count: number): number[] {
  const { offsets, pixels } = segmentsRef(labels, count);
  const out: number[] = [];
  const ends = [...offsets, pixels.length];
  for (let s = 0; s <= count; s++) out.push(...pixels.slice(ends[s], ends[s + 1]).map((p) => values[p]).sort((a, b) => a - b));
  return out;
}

export interface ObpmRef {
  /** 1 where the pixel's loss survives in the code's kept-loss map, else 0. */
  mask: Float64Array;
  threshold: Float64Array;
  /** q in the local indexing: q_global − (H·W − n_s). */
  argmax: Int32Array;
}

/** First index of the maximum of conv1d(d, ones/7, padding 3). */
function smoothedArgmax(d: number[]): number {
  const n = d.length;
  let qg = 0;
  let best = -Infinity;
  for (let g = 0; g < n; g++) {
    let a = 0;
    for (let t = g - 3; t <= g + 3; t++) if (t >= 0 && t < n) a += d[t] * (1 / 7);
    if (a > best) {
      best = a;
      qg = g;
    }
  }
  return qg;
}

/** OBPM keep-mask, thresholds and argmaxes, one H·W-long row per superpixel as OBPM.py does. */
export function obpmRef(loss: ArrayLike<number>, labels: ArrayLike<number>, count: number, thIdx = 0.25): ObpmRef {
  const n = loss.length;
  const kept = new Float64Array(n);
  const mask = new Float64Array(n);
  const threshold = new Float64Array(count);
  const argmax = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const row = Array.from({ length: n }, (_, p) => (labels[p] === s ? loss[p] : 0));
    let ns = 0;
    let min = Infinity;
    for (let p = 0; p < n; p++) {
      if (labels[p] !== s) continue;
      ns++;
      min = Math.min(min, loss[p]);
    }
    if (ns === 0) min = 0; // torch.where(…, inf).min() of an empty superpixel, then inf → 0
    const sorted = row.slice().sort((a, b) => a - b).map((v) => (v === 0 ? min : v));
    const d = sorted.map((v, g) => v - (g === 0 ? sorted[0] : sorted[g - 1]));
    const qg = smoothedArgmax(d);
    const t = n - qg >= ns * (1 - thIdx) ? 1e4 : sorted[qg];
    threshold[s] = t;
    argmax[s] = qg - (n - ns);
    for (let p = 0; p < n; p++) kept[p] += row[p] <= t ? row[p] : 0;
    for (let p = 0; p < n; p++) if (labels[p] === s && row[p] <= t) mask[p] = 1;
  }
  // The mask must explain the kept-loss map: kept = mask · L.
  for (let p = 0; p < n; p++) if (kept[p] !== mask[p] * loss[p]) throw new Error(`obpmRef: pixel ${p}: kept ${kept[p]} ≠ mask · L`);
  return { mask, threshold, argmax };
}

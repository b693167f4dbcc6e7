/**
 * Detection metrics on a score map and a ground-truth map (label > 0 = anomaly):
 * ROC AUC(D,F) by ranks with ties averaged (Mann–Whitney; equals sklearn's roc_auc_score),
 * the 3D-ROC areas AUC(D,τ) and AUC(F,τ) on scores normalised to [0, 1] with SNPR (Chang
 * 2020; docs/engine.md#metrics), and the ROC curve with its CSV. All in float64 on the CPU:
 * these are the numbers people compare, and a sort of 10⁶ scores costs milliseconds.
 */
import { OptionError } from '../errors.ts';

export interface DetectionScores {
  /** Area under P_D against P_F (the AUC papers report). */
  aucDF: number;
  /** ∫ P_D(τ) dτ = the mean normalised score of the anomaly pixels. */
  aucDtau: number;
  /** ∫ P_F(τ) dτ = the mean normalised score of the background pixels. */
  aucFtau: number;
  /** 10·log10(AUC(D,τ) / AUC(F,τ)); +Infinity when AUC(F,τ) is 0. */
  snpr: number;
  anomalies: number;
  background: number;
}

export interface RocPoint {
  /** Pixels with score ≥ threshold count as detections. */
  threshold: number;
  pf: number;
  pd: number;
}

/** Names what was passed where an array was expected (a LabelMap for its `.data` is the usual slip). */
function arrayLike(op: string, what: string, v: unknown): void {
  if (v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') return;
  const got = v === null || v === undefined ? String(v) : typeof v === 'object' ? `an object without length${'data' in v ? ' (a map? pass its .data)' : ''}` : typeof v;
  throw new OptionError(op, `${what}: expected an array of numbers, got ${got}`);
}

/** Throws unless scores and labels pair up, scores are finite and both classes occur. */
function check(op: string, scores: ArrayLike<number>, labels: ArrayLike<number>): { pos: number; neg: number } {
  arrayLike(op, 'scores', scores);
  arrayLike(op, 'labels', labels);
  if (scores.length !== labels.length) throw new OptionError(op, `map size: expected ${scores.length} labels for ${scores.length} scores, got ${labels.length}`);
  let pos = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new OptionError(op, `score ${i}: expected a finite number, got ${scores[i]}; check the detector's output`);
    if (labels[i] > 0) pos++;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) {
    throw new OptionError(op, `ground truth: expected both anomaly (> 0) and background pixels, got ${pos} anomalies and ${neg} background; the AUC is undefined`);
  }
  return { pos, neg };
}

/** Indices of `scores` in ascending score order. */
function order(scores: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => scores[a] - scores[b]);
}

/** ROC AUC(D,F): (Σ ranks of anomalies − P(P+1)/2) / (P·N), tied scores sharing their mean rank. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { pos, neg } = check('rocAuc', scores, labels);
  const idx = order(scores);
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    let hits = 0;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) hits += labels[idx[j++]] > 0 ? 1 : 0;
    rankSum += hits * ((i + 1 + j) / 2); // ranks i+1 … j share their mean
    i = j;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Scores mapped linearly onto [0, 1]; a constant map becomes all zeros. */
export function normaliseScores(scores: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) (lo = Math.min(lo, scores[i])), (hi = Math.max(hi, scores[i]));
  const out = new Float64Array(scores.length);
  if (hi > lo) for (let i = 0; i < out.length; i++) out[i] = (scores[i] - lo) / (hi - lo);
  return out;
}

/** AUC(D,F), AUC(D,τ), AUC(F,τ) and SNPR of one detection map. */
export function detectionScores(scores: ArrayLike<number>, labels: ArrayLike<number>): DetectionScores {
  const { pos, neg } = check('detectionScores', scores, labels);
  const s = normaliseScores(scores);
  let sumD = 0;
  let sumF = 0;
  for (let i = 0; i < s.length; i++) labels[i] > 0 ? (sumD += s[i]) : (sumF += s[i]);
  const aucDtau = sumD / pos;
  const aucFtau = sumF / neg;
  return { aucDF: rocAuc(scores, labels), aucDtau, aucFtau, snpr: 10 * Math.log10(aucDtau / aucFtau), anomalies: pos, background: neg };
}

/** The ROC curve: one point per distinct score, thresholds descending, from (0, 0) to (1, 1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  const { pos, neg } = check('rocCurve', scores, labels);
  const idx = order(scores).reverse();
  const out: RocPoint[] = [{ threshold: Infinity, pf: 0, pd: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    const t = scores[idx[i]];
    while (i < idx.length && scores[idx[i]] === t) labels[idx[i++]] > 0 ? tp++ : fp++;
    out.push({ threshold: t, pf: fp / neg, pd: tp / pos });
  }
  return out;
}

/** The curve as CSV (`threshold,pf,pd`), full float64 precision. */
export function rocCsv(curve: readonly RocPoint[]): string {
  return ['threshold,pf,pd', ...curve.map((p) => `${p.threshold},${p.pf},${p.pd}`)].join('\n') + '\n';
}

/**
 * Operating points at a false-alarm rate: the threshold a user applies to a score map without
 * ground truth (from the score distribution alone), and, when a ground truth exists, the
 * detection rate P_D reached at fixed false-alarm rates (the numbers HAD papers tabulate
 * beside the AUC).
 */
import type { RocPoint } from '../metrics/roc.ts';

/** False-alarm rates whose P_D the summary reports. */
export const FAR_POINTS = [1e-3, 1e-2] as const;

/** The default --far of the detection map. */
export const DEFAULT_FAR = 1e-3;

/** A threshold and the pixels above it. */
export interface FarThreshold {
  /** The rate asked for: the fraction of all pixels allowed above the threshold. */
  far: number;
  /** Pixels with a score strictly above this are detections. */
  threshold: number;
  detections: number;
}

/**
 * The threshold at which at most `far` of all pixels score above it: the score ranked
 * ⌊far·N⌋ from the top (0-based). Most pixels are background in a HAD scene, so this is the
 * usual estimate of a false-alarm rate when no ground truth exists. NaN scores never detect.
 */
export function thresholdAtFar(scores: ArrayLike<number>, far: number): FarThreshold {
  const finite = Float64Array.from(scores).filter((v) => !Number.isNaN(v)).sort().reverse();
  if (finite.length === 0) return { far, threshold: NaN, detections: 0 };
  const k = Math.min(finite.length - 1, Math.floor(far * scores.length));
  const threshold = finite[k];
  let detections = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold) detections++;
  return { far, threshold, detections };
}

/** 0/1 detections of `scores` above `threshold`, row-major like the scores. */
export function detectionMask(scores: ArrayLike<number>, threshold: number): Int32Array {
  return Int32Array.from(scores, (s) => (s > threshold ? 1 : 0));
}

/** P_D at the last ROC point whose false-alarm rate is at most `far` (the curve starts at (0, 0)). */
export function pdAtFar(curve: readonly RocPoint[], far: number): number {
  let pd = 0;
  for (const p of curve) if (p.pf <= far) pd = Math.max(pd, p.pd);
  return pd;
}

/** `{ '0.001': P_D, '0.01': P_D }` for the summary. */
export function pdAtFarPoints(curve: readonly RocPoint[]): Record<string, number> {
  return Object.fromEntries(FAR_POINTS.map((f) => [String(f), pdAtFar(curve, f)]));
}

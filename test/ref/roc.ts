/** Brute-force float64 references for the detection metrics (pairwise counts, direct integrals). */

/** P(score_anomaly > score_background) + ½ P(tie), over every pair. */
export function aucPairsRef(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!(labels[i] > 0)) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] > 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** ∫₀¹ P(τ) dτ by the midpoint rule on `steps` thresholds, P = fraction of the class with s ≥ τ. */
export function areaOverThresholdRef(norm: ArrayLike<number>, labels: ArrayLike<number>, anomaly: boolean, steps: number): number {
  const members = Array.from(norm).filter((_, i) => (labels[i] > 0) === anomaly);
  let area = 0;
  for (let k = 0; k < steps; k++) {
    const tau = (k + 0.5) / steps;
    area += members.filter((s) => s >= tau).length / members.length / steps;
  }
  return area;
}

/** Trapezoid area under (pf, pd) points. */
export function trapezoidRef(points: { pf: number; pd: number }[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) a += ((points[i].pf - points[i - 1].pf) * (points[i].pd + points[i - 1].pd)) / 2;
  return a;
}

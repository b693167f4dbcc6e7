/**
 * Background pixel mining for BS3LNet's whole-image training, after Super-AD's online background
 * pixel mining (docs/superad.md#obpm; ours: docs/bs3lnet.md#mining): pixels whose reconstruction error is among the largest are
 * probably anomalies, and training on them teaches a blind-spot network to predict an anomaly
 * from its (anomalous) neighbours, which is the identity-mapping problem in another form. So
 * each step leaves the fraction `frac` of pixels with the largest error out of the loss.
 *
 * Super-AD thresholds per superpixel on the current step's errors; here one scene-wide quantile
 * of the errors each pixel had the last time a step saw it (no extra pass and no superpixels: the
 * step after a pixel is seen excludes it). Errors live in scene coordinates, so random crops of
 * large scenes and pixel-shuffled sub-images (pd.ts) share one map; pixels never seen yet count as
 * background.
 */
import type { Gpu } from '../gpu/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { tensor } from '../ops/fill.ts';
import { pdMerge, pdSplit } from './pd.ts';

/** Where a step's image lies in the scene, and its pixel-shuffle factor. */
export interface StepWindow {
  r0: number;
  c0: number;
  h: number;
  w: number;
  f: number;
}

export class ErrorMap {
  /** Mean |x − x̂| over bands per scene pixel, NaN where no step has seen it yet. */
  readonly err: Float32Array;

  constructor(readonly rows: number, readonly cols: number) {
    this.err = new Float32Array(rows * cols).fill(NaN);
  }

  /** Stores a step's per-pixel errors ([f², 1, h', w'] as the step saw them) at its window. */
  record(values: Float32Array, at: StepWindow): void {
    const crop = at.f === 1 ? values : this.merge(values, at);
    for (let r = 0; r < at.h; r++) this.err.set(crop.subarray(r * at.w, (r + 1) * at.w), (at.r0 + r) * this.cols + at.c0);
  }

  /**
   * Loss weights for a step at `at`, shaped like its images' [N, 1, H', W']: 0 where the error is
   * above the scene's (1 − frac) quantile, 1 elsewhere; null while nothing is known.
   */
  weights(gpu: Gpu, at: StepWindow, frac: number): Tensor | null {
    const known = this.err.filter((e) => !Number.isNaN(e)).sort();
    if (known.length === 0) return null;
    const cut = known[Math.min(known.length - 1, Math.floor(known.length * (1 - frac)))];
    const win = new Float32Array(at.h * at.w);
    for (let r = 0; r < at.h; r++) {
      for (let c = 0; c < at.w; c++) win[r * at.w + c] = this.err[(at.r0 + r) * this.cols + at.c0 + c] > cut ? 0 : 1;
    }
    if (at.f === 1) return tensor(gpu, win, [1, 1, at.h, at.w]);
    const pd = pdSplit({ rows: at.h, cols: at.w, bands: 1, data: win }, at.f);
    return tensor(gpu, pd.data, [at.f * at.f, 1, pd.subRows, pd.subCols]);
  }

  private merge(values: Float32Array, at: StepWindow): Float32Array {
    const [h, w] = [Math.ceil(at.h / at.f), Math.ceil(at.w / at.f)];
    const parts = Array.from({ length: at.f * at.f }, (_, k) => values.subarray(k * h * w, (k + 1) * h * w));
    return pdMerge(parts, { factor: at.f, rows: at.h, cols: at.w, subRows: h, subCols: w });
  }
}

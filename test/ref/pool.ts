/**
 * Float64 references for 2-D pooling of NCHW tensors: direct loops over PyTorch's definitions
 * (aten/src/ATen/native/{AveragePool2d,DilatedMaxPool2d,AdaptiveAveragePooling}.cpp semantics),
 * written independently of shaders/pool.wgsl.
 */

export type Dims4 = readonly [number, number, number, number];

export interface PoolGeometry {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d?: [number, number];
}

function outSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** avg_pool2d(x, k, s, p, ceil_mode = false, count_include_pad). */
export function avgPool2dRef(x: ArrayLike<number>, [n, c, h, w]: Dims4, g: PoolGeometry, includePad = true): Float64Array {
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], 1);
  const ow = outSize(w, g.k[1], g.s[1], g.p[1], 1);
  const y = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        let inside = 0;
        let padded = 0;
        for (let ky = 0; ky < g.k[0]; ky++) {
          for (let kx = 0; kx < g.k[1]; kx++) {
            const iy = oy * g.s[0] - g.p[0] + ky;
            const ix = ox * g.s[1] - g.p[1] + kx;
            // Taps beyond the padded image (iy ≥ h + p) are not part of the window at all.
            if (iy >= h + g.p[0] || ix >= w + g.p[1]) continue;
            padded++;
            if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
            inside++;
            s += x[(pl * h + iy) * w + ix];
          }
        }
        y[(pl * oh + oy) * ow + ox] = s / (includePad ? padded : inside);
      }
    }
  }
  return y;
}

/** max_pool2d(x, k, s, p, dilation): values and the flat in-plane index of the first maximum. */
export function maxPool2dRef(x: ArrayLike<number>, [n, c, h, w]: Dims4, g: PoolGeometry): { y: Float64Array; argmax: Int32Array } {
  const [dh, dw] = g.d ?? [1, 1];
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], dh);
  const ow = outSize(w, g.k[1], g.s[1], g.p[1], dw);
  const y = new Float64Array(n * c * oh * ow);
  const argmax = new Int32Array(y.length);
  for (let pl = 0; pl < n * c; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < g.k[0]; ky++) {
          for (let kx = 0; kx < g.k[1]; kx++) {
            const iy = oy * g.s[0] - g.p[0] + ky * dh;
            const ix = ox * g.s[1] - g.p[1] + kx * dw;
            if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
            const v = x[(pl * h + iy) * w + ix];
            if (v > best) {
              best = v;
              at = iy * w + ix;
            }
          }
        }
        y[(pl * oh + oy) * ow + ox] = best;
        argmax[(pl * oh + oy) * ow + ox] = at;
      }
    }
  }
  return { y, argmax };
}

/** adaptive_avg_pool2d(x, [oh, ow]): windows ⌊o·H/OH⌋ … ⌈(o+1)·H/OH⌉. */
export function adaptiveAvgPool2dRef(x: ArrayLike<number>, [n, c, h, w]: Dims4, oh: number, ow: number): Float64Array {
  const y = new Float64Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = Math.floor((oy * h) / oh);
      const y1 = Math.ceil(((oy + 1) * h) / oh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = Math.floor((ox * w) / ow);
        const x1 = Math.ceil(((ox + 1) * w) / ow);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[(pl * h + iy) * w + ix];
        y[(pl * oh + oy) * ow + ox] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return y;
}

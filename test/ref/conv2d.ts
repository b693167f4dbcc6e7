/**
 * Float64 reference for conv2d: the textbook sum over channels and taps with plain loops,
 * padding resolved per tap (zeros, or PyTorch's reflect without edge repeat), independent of
 * the engine's unfold-and-multiply plan.
 */
export interface ConvRefOptions {
  stride?: [number, number];
  padding?: [number, number];
  paddingMode?: 'zeros' | 'reflect';
  dilation?: [number, number];
  groups?: number;
  /** [KH · KW] tap gates. */
  mask?: ArrayLike<number> | null;
}

/** Index of a padded coordinate in an axis of `size` under reflect, or −1 outside (zeros). */
function source(i: number, size: number, reflect: boolean): number {
  if (i >= 0 && i < size) return i;
  if (!reflect) return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

/** y [N, O, HO, WO] of x [N, C, H, W] with w [O, C/G, KH, KW] and bias [O] (or null). */
export function conv2dRef(x: ArrayLike<number>, xs: readonly number[], w: ArrayLike<number>, ws: readonly number[], bias: ArrayLike<number> | null, o: ConvRefOptions = {}): Float64Array {
  const [n, c, h, wd] = xs;
  const [oc, cg, kh, kw] = ws;
  const [sh, sw] = o.stride ?? [1, 1];
  const [ph, pw] = o.padding ?? [0, 0];
  const [dh, dw] = o.dilation ?? [1, 1];
  const g = o.groups ?? 1;
  const reflect = o.paddingMode === 'reflect';
  const og = oc / g;
  const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const wo = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const y = new Float64Array(n * oc * ho * wo);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < oc; q++) {
      const grp = Math.floor(q / og);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          let acc = bias ? bias[q] : 0;
          for (let ci = 0; ci < cg; ci++) {
            const ch = grp * cg + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = source(i * sh - ph + ky * dh, h, reflect);
              if (iy < 0) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = source(j * sw - pw + kx * dw, wd, reflect);
                if (ix < 0) continue;
                const gate = o.mask ? o.mask[ky * kw + kx] : 1;
                acc += gate * w[((q * cg + ci) * kh + ky) * kw + kx] * x[((b * c + ch) * h + iy) * wd + ix];
              }
            }
          }
          y[((b * oc + q) * ho + i) * wo + j] = acc;
        }
      }
    }
  }
  return y;
}

/**
 * dx [N, C, H, W] and dWeight [O, C/G, KH, KW] of conv2d for an upstream gradient dy
 * [N, O, HO, WO] (zero or reflect padding): the forward loop nest run as scatters, each product
 * x·w·gate that reaches y[n, q, i, j] sending dy[n, q, i, j] back to both factors.
 */
export function conv2dGradsRef(x: ArrayLike<number>, xs: readonly number[], w: ArrayLike<number>, ws: readonly number[], dy: ArrayLike<number>, o: ConvRefOptions = {}): { dx: Float64Array; dWeight: Float64Array } {
  const [n, c, h, wd] = xs;
  const [oc, cg, kh, kw] = ws;
  const [sh, sw] = o.stride ?? [1, 1];
  const [ph, pw] = o.padding ?? [0, 0];
  const [dh, dw] = o.dilation ?? [1, 1];
  const og = oc / (o.groups ?? 1);
  const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const wo = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const dx = new Float64Array(n * c * h * wd);
  const dWeight = new Float64Array(oc * cg * kh * kw);
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < oc; q++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          const g = dy[((b * oc + q) * ho + i) * wo + j];
          for (let ci = 0; ci < cg; ci++) {
            const ch = Math.floor(q / og) * cg + ci;
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const iy = source(i * sh - ph + ky * dh, h, o.paddingMode === 'reflect');
                const ix = source(j * sw - pw + kx * dw, wd, o.paddingMode === 'reflect');
                if (iy < 0 || ix < 0) continue;
                const gate = o.mask ? o.mask[ky * kw + kx] : 1;
                const wi = ((q * cg + ci) * kh + ky) * kw + kx;
                const xi = ((b * c + ch) * h + iy) * wd + ix;
                dx[xi] += gate * w[wi] * g;
                dWeight[wi] += gate * x[xi] * g;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dWeight };
}

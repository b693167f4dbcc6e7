/**
 * Float64 references for AdaConv (docs/superad.md#adaconv), plain loops from the definition:
 * pad the guide, sort each window's (value, index) pairs, reflect-pad the features, gather the
 * selected neighbours into a patch and multiply it by the weight. Plus the two convolutions
 * AdaConv reduces to: zero-padded (no guide) and reflect-padded (every window value tied).
 */

/** Reflects a padded coordinate into [0, size). */
const reflect = (u: number, size: number): number => (u < 0 ? -u : u > size - 1 ? 2 * (size - 1) - u : u);

/**
 * sel[r, y, x] = flat source pixel (reflect-resolved) of the r-th smallest (value, window index)
 * pair of the guide padded with `guidePad`, from a full sort of the window.
 */
export function adaSelectRef(guide: ArrayLike<number>, h: number, w: number, n: number, k: number, guidePad = 999): Int32Array {
  const p = (n - 1) / 2;
  const kk = k * k;
  const sel = new Int32Array(kk * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const win: { v: number; j: number; src: number }[] = [];
      for (let j = 0; j < n * n; j++) {
        const yy = y + Math.floor(j / n) - p;
        const xx = x + (j % n) - p;
        const inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
        win.push({ v: inside ? guide[yy * w + xx] : guidePad, j, src: reflect(yy, h) * w + reflect(xx, w) });
      }
      win.sort((a, b) => a.v - b.v || a.j - b.j);
      for (let r = 0; r < kk; r++) sel[(r * h + y) * w + x] = win[r].src;
    }
  }
  return sel;
}

/** out[o, p] = b[o] + Σ_c Σ_r W[o, c, r] · x[c, sel[r, p]] (sel −1: a zero tap); x [C, H·W]. */
export function gatherConvRef(x: ArrayLike<number>, c: number, hw: number, weight: ArrayLike<number>, o: number, kk: number,
  bias: ArrayLike<number> | null, sel: ArrayLike<number>): Float64Array {
  const out = new Float64Array(o * hw);
  const patch = new Float64Array(c * kk);
  for (let p = 0; p < hw; p++) {
    // Gather first: the patch of the pixel's selected neighbours, [C, k²].
    for (let ci = 0; ci < c; ci++) {
      for (let r = 0; r < kk; r++) {
        const s = sel[r * hw + p];
        patch[ci * kk + r] = s < 0 ? 0 : x[ci * hw + s];
      }
    }
    for (let oi = 0; oi < o; oi++) {
      let acc = bias ? bias[oi] : 0;
      for (let i = 0; i < c * kk; i++) acc += weight[oi * c * kk + i] * patch[i];
      out[oi * hw + p] = acc;
    }
  }
  return out;
}

/** AdaConv with a guide: selection by sorting, then the gather-then-multiply product. */
export function adaConvRef(x: ArrayLike<number>, c: number, h: number, w: number, weight: ArrayLike<number>, o: number,
  bias: ArrayLike<number> | null, guide: ArrayLike<number>, n: number, k: number, guidePad = 999): Float64Array {
  return gatherConvRef(x, c, h * w, weight, o, k * k, bias, adaSelectRef(guide, h, w, n, k, guidePad));
}

/** A k × k convolution, stride 1, padding (k−1)/2 of zeros or reflected pixels. */
export function conv2dRef(x: ArrayLike<number>, c: number, h: number, w: number, weight: ArrayLike<number>, o: number, k: number,
  bias: ArrayLike<number> | null, padding: 'zeros' | 'reflect'): Float64Array {
  const p = (k - 1) / 2;
  const out = new Float64Array(o * h * w);
  for (let oi = 0; oi < o; oi++) {
    for (let y = 0; y < h; y++) {
      for (let xo = 0; xo < w; xo++) {
        let acc = bias ? bias[oi] : 0;
        for (let ci = 0; ci < c; ci++) {
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              let yy = y + ky - p;
              let xx = xo + kx - p;
              if (padding === 'zeros' && (yy < 0 || yy >= h || xx < 0 || xx >= w)) continue;
              yy = reflect(yy, h);
              xx = reflect(xx, w);
              acc += weight[((oi * c + ci) * k + ky) * k + kx] * x[(ci * h + yy) * w + xx];
            }
          }
        }
        out[(oi * h + y) * w + xo] = acc;
      }
    }
  }
  return out;
}

/**
 * Plain-TypeScript twin of assembly/slic.ts (scikit-image's slic, 2-D, no mask, sigma 0),
 * written from skimage's Python/Cython in its own shapes: nested arrays, a general n-D
 * regular_grid, a matrix for sRGB → XYZ. Also the checks the tests use on any label map.
 */

/** skimage.util.regular_grid: per dimension [start, step] (step 1 when the grid is every point). */
export function regularGridRef(shape: number[], nPoints: number): [number, number][] {
  const nd = shape.length;
  let space = shape.reduce((a, b) => a * b, 1);
  if (space <= nPoints) return shape.map(() => [0, 1]);
  const idx = shape.map((_, i) => i).sort((i, j) => shape[i] - shape[j] || i - j);
  const sorted = idx.map((i) => shape[i]);
  const steps = new Array<number>(nd).fill((space / nPoints) ** (1 / nd));
  if (sorted.some((s, i) => s < steps[i])) {
    for (let d = 0; d < nd; d++) {
      steps[d] = sorted[d];
      space = sorted.slice(d + 1).reduce((a, b) => a * b, 1);
      for (let e = d + 1; e < nd; e++) steps[e] = (space / nPoints) ** (1 / (nd - d - 1));
      if (sorted.every((s, i) => s >= steps[i])) break;
    }
  }
  const out = new Array<[number, number]>(nd);
  idx.forEach((dim, i) => (out[dim] = [Math.floor(steps[i] / 2), roundEven(steps[i])]));
  return out;
}

function roundEven(x: number): number {
  const f = Math.floor(x);
  return x - f !== 0.5 ? Math.round(x) : f % 2 === 0 ? f : f + 1;
}

const XYZ_FROM_RGB = [[0.412453, 0.35758, 0.180423], [0.212671, 0.71516, 0.072169], [0.019334, 0.119193, 0.950227]];
const D65 = [0.95047, 1, 1.08883];

/** skimage.color.rgb2lab of one pixel (D65, 2° observer). */
export function rgbToLabRef(rgb: number[]): [number, number, number] {
  const lin = rgb.map((c) => (c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92));
  const f = XYZ_FROM_RGB.map((row, i) => {
    const t = (row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]) / D65[i];
    return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
  });
  return [116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])];
}

/** Composite of bands (r, g, b) of a C×H×W cube, jointly min–max scaled, in Lab: H×W×3. */
export function slicLabRef(data: ArrayLike<number>, rows: number, cols: number, bands: number[]): Float64Array {
  const plane = rows * cols;
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of bands) for (let p = 0; p < plane; p++) (lo = Math.min(lo, data[b * plane + p])), (hi = Math.max(hi, data[b * plane + p]));
  const range = hi > lo ? hi - lo : 1;
  const out = new Float64Array(3 * plane);
  for (let p = 0; p < plane; p++) out.set(rgbToLabRef(bands.map((b) => (data[b * plane + p] - lo) / range)), 3 * p);
  return out;
}

export interface SlicRefOptions {
  nSegments: number;
  compactness: number;
  maxIter: number;
  enforceConnectivity: boolean;
  minSizeFactor: number;
  maxSizeFactor: number;
  startLabel: number;
}

/** skimage's _slic_cython + _enforce_label_connectivity_cython on a Lab image (H×W×3). */
export function slicRef(lab: ArrayLike<number>, rows: number, cols: number, o: SlicRefOptions): Int32Array {
  const grid = regularGridRef([1, rows, cols], o.nSegments);
  const seeds: number[][] = [];
  for (let y = grid[1][0]; y < rows; y += grid[1][1]) for (let x = grid[2][0]; x < cols; x += grid[2][1]) seeds.push([y, x, 0, 0, 0]);
  const step = Math.max(...grid.map((g) => g[1]));
  const win = regularGridRef([1, rows, cols], seeds.length).map((g) => g[1]);
  const img = Array.from({ length: rows * cols }, (_, p) => [0, 1, 2].map((c) => lab[3 * p + c] * (1 / o.compactness)));
  const label = new Int32Array(rows * cols).fill(-1);
  for (let it = 0; it < o.maxIter; it++) {
    const dist = new Float64Array(rows * cols).fill(Number.MAX_VALUE);
    seeds.forEach(([cy, cx, l, a, b], k) => {
      if (Number.isNaN(cy)) return;
      for (let y = Math.trunc(Math.max(cy - 2 * win[1], 0)); y < Math.trunc(Math.min(cy + 2 * win[1] + 1, rows)); y++) {
        for (let x = Math.trunc(Math.max(cx - 2 * win[2], 0)); x < Math.trunc(Math.min(cx + 2 * win[2] + 1, cols)); x++) {
          const px = img[y * cols + x];
          const d = ((cy - y) ** 2 + (cx - x) ** 2) / (step * step) + ((px[0] - l) ** 2 + (px[1] - a) ** 2 + (px[2] - b) ** 2);
          if (dist[y * cols + x] > d) (dist[y * cols + x] = d), (label[y * cols + x] = k);
        }
      }
    });
    const sums = seeds.map(() => [0, 0, 0, 0, 0, 0]);
    label.forEach((k, p) => {
      if (k < 0) return;
      const s = sums[k];
      s[0]++, (s[1] += Math.floor(p / cols)), (s[2] += p % cols), (s[3] += img[p][0]), (s[4] += img[p][1]), (s[5] += img[p][2]);
    });
    sums.forEach((s, k) => (seeds[k] = s[0] > 0 ? s.slice(1).map((v) => v / s[0]) : [NaN, NaN, NaN, NaN, NaN]));
  }
  const labels = label.map((k) => k + o.startLabel);
  if (!o.enforceConnectivity) return labels;
  const size = (rows * cols) / seeds.length;
  return connectivityRef(labels, rows, cols, Math.trunc(o.minSizeFactor * size), Math.trunc(o.maxSizeFactor * size), o.startLabel);
}

function connectivityRef(labels: Int32Array, rows: number, cols: number, minSize: number, maxSize: number, start: number): Int32Array {
  const out = new Int32Array(labels.length).fill(start - 1);
  let next = start;
  for (let p0 = 0; p0 < labels.length; p0++) {
    if (labels[p0] === start - 1 || out[p0] >= start) continue;
    let adjacent = next;
    const list = [p0];
    out[p0] = next;
    for (let v = 0; v < list.length && list.length < maxSize; v++) {
      const y = Math.floor(list[v] / cols);
      const x = list[v] % cols;
      for (const [yy, xx] of [[y, x + 1], [y, x - 1], [y + 1, x], [y - 1, x]]) {
        if (yy < 0 || yy >= rows || xx < 0 || xx >= cols) continue;
        const q = yy * cols + xx;
        if (labels[q] === labels[p0] && out[q] === start - 1) {
          out[q] = next;
          list.push(q);
          if (list.length >= maxSize) break;
        } else if (out[q] >= start && out[q] !== next) {
          adjacent = out[q];
        }
      }
    }
    if (list.length < minSize) for (const q of list) out[q] = adjacent;
    else next++;
  }
  return out;
}

/** For each label, the number of 4-connected regions it forms (flood fill), keyed by label. */
export function regionsPerLabel(labels: ArrayLike<number>, rows: number, cols: number): Map<number, number> {
  const seen = new Uint8Array(rows * cols);
  const regions = new Map<number, number>();
  for (let p0 = 0; p0 < rows * cols; p0++) {
    if (seen[p0]) continue;
    const l = labels[p0];
    regions.set(l, (regions.get(l) ?? 0) + 1);
    const stack = [p0];
    seen[p0] = 1;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const y = Math.floor(p / cols);
      const x = p % cols;
      for (const q of [x > 0 ? p - 1 : -1, x < cols - 1 ? p + 1 : -1, y > 0 ? p - cols : -1, y < rows - 1 ? p + cols : -1]) {
        if (q >= 0 && !seen[q] && labels[q] === l) (seen[q] = 1), stack.push(q);
      }
    }
  }
  return regions;
}

/**
 * What is wrong with a superpixel map, as lines (none when it is fine): labels must run
 * startLabel..S with none missing, and each label must be one 4-connected region.
 */
export function superpixelProblems(labels: ArrayLike<number>, rows: number, cols: number, startLabel: number): string[] {
  const regions = regionsPerLabel(labels, rows, cols);
  const ids = [...regions.keys()].sort((a, b) => a - b);
  const out: string[] = [];
  if (ids[0] !== startLabel || ids[ids.length - 1] !== startLabel + ids.length - 1) {
    out.push(`labels: expected ${startLabel}..S with none missing, got ${ids.length} labels from ${ids[0]} to ${ids[ids.length - 1]}`);
  }
  for (const [l, n] of regions) if (n !== 1) out.push(`label ${l}: expected one 4-connected region, got ${n}`);
  return out;
}

/**
 * A seeded C×H×W test scene (C ≥ 3) with colour regions SLIC should find: a smooth background,
 * three disks and a bar of distinct colours in bands 0..2, mild noise; extra bands are noise.
 */
export function slicScene(rows: number, cols: number, bands: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const shapes: [number, number, number, number[]][] = [
    [0.3 * rows, 0.3 * cols, 0.2 * Math.min(rows, cols), [0.9, 0.2, 0.1]],
    [0.7 * rows, 0.6 * cols, 0.25 * Math.min(rows, cols), [0.1, 0.8, 0.3]],
    [0.4 * rows, 0.8 * cols, 0.15 * Math.min(rows, cols), [0.2, 0.3, 0.9]],
  ];
  const data = new Float32Array(rows * cols * bands);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      let rgb = [0.4 + 0.2 * (x / cols), 0.5 - 0.2 * (y / rows), 0.45];
      if (Math.abs(y - 0.85 * rows) < 0.06 * rows) rgb = [0.8, 0.8, 0.2];
      for (const [cy, cx, r, c] of shapes) if ((y - cy) ** 2 + (x - cx) ** 2 < r * r) rgb = c;
      for (let b = 0; b < bands; b++) data[(b * rows + y) * cols + x] = (b < 3 ? rgb[b] : 0.5) + 0.04 * (rand() - 0.5);
    }
  }
  return data;
}

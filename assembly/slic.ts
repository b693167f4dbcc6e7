// SLIC superpixels with scikit-image semantics (skimage.segmentation.slic, 0.19–0.24, no mask,
// sigma 0, spacing 1, slic_zero off), as Super-AD precomputes them (docs/superad.md#superpixels):
//   slicLab      3 bands of a C×H×W cube → joint min–max to [0, 1] (slic's own rescale) → CIE-Lab
//                (rgb2lab: sRGB gamma, D65 2° white), pixel-interleaved H×W×3 f64;
//   slicSegments k-means in (y, x, Lab/compactness) inside ±2·step windows around grid seeds,
//                max_iter rounds, then the connectivity pass with min/max size factors.
// skimage quirks kept on purpose, since the point is to reproduce its labels: the distance map
// is reset each round so every round runs (max_iter rounds); a pixel outside every window keeps
// its old label; the first small component may keep a fresh label (see enforceConnectivity).
// Differences: a segment that loses all pixels is dropped (skimage divides 0/0 and leaves a
// NaN centre, which never wins a pixel again but makes its window bounds undefined in C).

/** np.round: exact halves go to the even neighbour. */
function roundHalfEven(x: f64): i32 {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return <i32>f + 1;
  if (d < 0.5) return <i32>f;
  return (<i64>f) % 2 == 0 ? <i32>f : <i32>f + 1;
}

/**
 * skimage.util.regular_grid for shape (1, rows, cols): [startY, stepY, startX, stepX, stepZ].
 * Steps start equal, (size/n)^(1/3); dimensions smaller than their step get step = size and the
 * rest is shared again among the larger ones (ascending size, ties kept in order).
 */
function regularGrid(rows: i32, cols: i32, n: i32): StaticArray<i32> {
  const out = new StaticArray<i32>(5);
  const shape: f64[] = [1, <f64>rows, <f64>cols];
  let space = <f64>rows * <f64>cols;
  if (space <= <f64>n) {
    out[0] = 0; out[1] = 1; out[2] = 0; out[3] = 1; out[4] = 1;
    return out;
  }
  // Stable ascending order of the three sizes (depth 1 always comes first).
  const order: i32[] = [0, 1, 2];
  if (shape[2] < shape[1]) { order[1] = 2; order[2] = 1; }
  const sorted: f64[] = [shape[order[0]], shape[order[1]], shape[order[2]]];
  const steps: f64[] = [0, 0, 0];
  const s0 = Math.pow(space / <f64>n, 1.0 / 3.0);
  for (let d = 0; d < 3; d++) steps[d] = s0;
  if (sorted[0] < steps[0] || sorted[1] < steps[1] || sorted[2] < steps[2]) {
    for (let d = 0; d < 3; d++) {
      steps[d] = sorted[d];
      space = 1;
      for (let e = d + 1; e < 3; e++) space *= sorted[e];
      const rest = Math.pow(space / <f64>n, 1.0 / <f64>(3 - d - 1));
      for (let e = d + 1; e < 3; e++) steps[e] = rest;
      if (sorted[0] >= steps[0] && sorted[1] >= steps[1] && sorted[2] >= steps[2]) break;
    }
  }
  const start = new StaticArray<i32>(3);
  const step = new StaticArray<i32>(3);
  for (let d = 0; d < 3; d++) {
    start[order[d]] = <i32>Math.floor(steps[d] / 2);
    step[order[d]] = roundHalfEven(steps[d]);
  }
  out[0] = start[1]; out[1] = step[1]; out[2] = start[2]; out[3] = step[2]; out[4] = step[0];
  return out;
}

/** sRGB companding of one channel in [0, 1] (rgb2xyz). */
function linear(c: f64): f64 {
  return c > 0.04045 ? Math.pow((c + 0.055) / 1.055, 2.4) : c / 12.92;
}

/** The CIE-Lab nonlinearity (xyz2lab). */
function labF(t: f64): f64 {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116.0;
}

/**
 * Bands r, g, b of a C×H×W cube as an sRGB composite, jointly min–max scaled to [0, 1] (slic
 * rescales its input so; Super-AD's division by the cube maximum before it cancels out), in
 * CIE-Lab, pixel-interleaved: out[3p] = L, out[3p+1] = a, out[3p+2] = b.
 */
export function slicLab(data: Float32Array, rows: i32, cols: i32, bands: i32, r: i32, g: i32, b: i32): Float64Array {
  if (rows <= 0 || cols <= 0 || bands <= 0 || data.length != rows * cols * bands) {
    throw new Error('slicLab: cube: expected ' + rows.toString() + '×' + cols.toString() + '×' + bands.toString() + ' values, got ' + data.length.toString());
  }
  if (r < 0 || r >= bands || g < 0 || g >= bands || b < 0 || b >= bands) {
    throw new Error('slicLab: composite bands: expected indices in 0..' + (bands - 1).toString() + ', got ' + r.toString() + ', ' + g.toString() + ', ' + b.toString());
  }
  const plane = rows * cols;
  const ch: i32[] = [r, g, b];
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < 3; c++) {
    const o = ch[c] * plane;
    for (let p = 0; p < plane; p++) {
      const v = <f64>unchecked(data[o + p]);
      if (!isFinite(v)) throw new Error('slicLab: band ' + ch[c].toString() + ', pixel ' + p.toString() + ': expected a finite number, got ' + v.toString());
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const range = hi > lo ? hi - lo : 1.0; // skimage: image -= min; image /= (max − min) unless 0
  const out = new Float64Array(3 * plane);
  const ro = r * plane, go = g * plane, bo = b * plane;
  for (let p = 0; p < plane; p++) {
    const R = linear((<f64>unchecked(data[ro + p]) - lo) / range);
    const G = linear((<f64>unchecked(data[go + p]) - lo) / range);
    const B = linear((<f64>unchecked(data[bo + p]) - lo) / range);
    // sRGB → XYZ (skimage's xyz_from_rgb), divided by the D65 2° white (0.95047, 1, 1.08883).
    const fx = labF((0.412453 * R + 0.35758 * G + 0.180423 * B) / 0.95047);
    const fy = labF(0.212671 * R + 0.71516 * G + 0.072169 * B);
    const fz = labF((0.019334 * R + 0.119193 * G + 0.950227 * B) / 1.08883);
    unchecked(out[3 * p] = 116.0 * fy - 16.0);
    unchecked(out[3 * p + 1] = 500.0 * (fx - fy));
    unchecked(out[3 * p + 2] = 200.0 * (fy - fz));
  }
  return out;
}

// The hot loops below read raw memory (load/store at dataStart) rather than index typed
// arrays: with the incremental GC every typed-array access spills its array to the shadow
// stack, which made these loops slower than the plain-JS twin.

/** One assignment round: every segment claims the pixels of its window that it is nearest to. */
function assign(img: usize, seg: usize, n: i32, rows: i32, cols: i32, sy: i32, sx: i32, wSpatial: f64, dist: usize, near: usize): void {
  for (let p = 0; p < rows * cols; p++) store<f64>(dist + (<usize>p << 3), f64.MAX_VALUE);
  for (let k = 0; k < n; k++) {
    const sk = seg + (<usize>(5 * k) << 3);
    const cy = load<f64>(sk);
    if (isNaN(cy)) continue; // a dropped (empty) segment
    const cx = load<f64>(sk, 8);
    const l = load<f64>(sk, 16), a = load<f64>(sk, 24), bb = load<f64>(sk, 32);
    // Cython casts the f64 bounds to integers by truncation; they are ≥ 0 here.
    const y0 = <i32>Math.max(cy - <f64>(2 * sy), 0), y1 = <i32>Math.min(cy + <f64>(2 * sy + 1), <f64>rows);
    const x0 = <i32>Math.max(cx - <f64>(2 * sx), 0), x1 = <i32>Math.min(cx + <f64>(2 * sx + 1), <f64>cols);
    for (let y = y0; y < y1; y++) {
      const dy = (cy - <f64>y) * (cy - <f64>y);
      for (let x = x0; x < x1; x++) {
        const p = <usize>(y * cols + x);
        const px = img + p * 24;
        const dx = cx - <f64>x;
        const t0 = load<f64>(px) - l, t1 = load<f64>(px, 8) - a, t2 = load<f64>(px, 16) - bb;
        const d = (dy + dx * dx) * wSpatial + (t0 * t0 + t1 * t1 + t2 * t2);
        if (load<f64>(dist + (p << 3)) > d) {
          store<f64>(dist + (p << 3), d);
          store<i32>(near + (p << 2), k);
        }
      }
    }
  }
}

/** Moves each segment to the mean position and colour of its pixels; empty ones are dropped. */
function update(img: usize, seg: usize, n: i32, rows: i32, cols: i32, near: usize, count: usize): void {
  memory.fill(seg, 0, <usize>(5 * n) << 3);
  memory.fill(count, 0, <usize>n << 2);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const p = <usize>(y * cols + x);
      const k = load<i32>(near + (p << 2));
      if (k < 0) continue; // never inside a window
      store<i32>(count + (<usize>k << 2), load<i32>(count + (<usize>k << 2)) + 1);
      const sk = seg + (<usize>(5 * k) << 3);
      const px = img + p * 24;
      store<f64>(sk, load<f64>(sk) + <f64>y);
      store<f64>(sk, load<f64>(sk, 8) + <f64>x, 8);
      store<f64>(sk, load<f64>(sk, 16) + load<f64>(px), 16);
      store<f64>(sk, load<f64>(sk, 24) + load<f64>(px, 8), 24);
      store<f64>(sk, load<f64>(sk, 32) + load<f64>(px, 16), 32);
    }
  }
  for (let k = 0; k < n; k++) {
    const m = load<i32>(count + (<usize>k << 2));
    for (let c = 0; c < 5; c++) {
      const a = seg + (<usize>(5 * k + c) << 3);
      store<f64>(a, m > 0 ? load<f64>(a) / <f64>m : NaN);
    }
  }
}

/** Seeds on the grid g (regularGrid), row by row: y, x, L, a, b each; the colour starts at 0. */
function gridSeeds(g: StaticArray<i32>, ny: i32, nx: i32): Float64Array {
  const seg = new Float64Array(5 * ny * nx);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      unchecked(seg[5 * (i * nx + j)] = <f64>(g[0] + i * g[1]));
      unchecked(seg[5 * (i * nx + j) + 1] = <f64>(g[2] + j * g[3]));
    }
  }
  return seg;
}

/**
 * SLIC labels (row-major rows×cols, from startLabel) of a pixel-interleaved Lab image (slicLab).
 * nSegments seeds on skimage's regular grid; distance = spatial²/step² + (ΔLab/compactness)²;
 * maxIter rounds; with enforce ≠ 0, components smaller than minSizeFactor·(pixels/seeds) join
 * their last-seen neighbour and components are cut at maxSizeFactor·(pixels/seeds).
 */
export function slicSegments(lab: Float64Array, rows: i32, cols: i32, nSegments: i32, compactness: f64, maxIter: i32,
  enforce: i32, minSizeFactor: f64, maxSizeFactor: f64, startLabel: i32): Int32Array {
  const plane = rows * cols;
  if (rows <= 0 || cols <= 0 || lab.length != 3 * plane) {
    throw new Error('slicSegments: lab: expected 3×' + rows.toString() + '×' + cols.toString() + ' values, got ' + lab.length.toString());
  }
  if (nSegments <= 0) throw new Error('slicSegments: nSegments: expected a positive count, got ' + nSegments.toString());
  if (!(compactness > 0) || !isFinite(compactness)) throw new Error('slicSegments: compactness: expected a positive number, got ' + compactness.toString());
  if (maxIter < 0) throw new Error('slicSegments: maxIter: expected a count ≥ 0, got ' + maxIter.toString());
  if (startLabel != 0 && startLabel != 1) throw new Error('slicSegments: startLabel: expected 0 or 1, got ' + startLabel.toString());
  if (!(maxSizeFactor > 0)) throw new Error('slicSegments: maxSizeFactor: expected a positive number, got ' + maxSizeFactor.toString());
  const g = regularGrid(rows, cols, nSegments);
  const ny = (rows - g[0] + g[1] - 1) / g[1], nx = (cols - g[2] + g[3] - 1) / g[3];
  const n = ny * nx;
  // slic(): step = the largest grid step, as float; the windows use the steps of the grid
  // recomputed for the actual seed count (_slic_cython).
  const step = <f64>max(max(g[1], g[3]), g[4]);
  const w = regularGrid(rows, cols, n);
  const seg = gridSeeds(g, ny, nx);
  const img = new Float64Array(3 * plane);
  const ratio = 1.0 / compactness;
  for (let i = 0; i < 3 * plane; i++) unchecked(img[i] = unchecked(lab[i]) * ratio);
  const near = new Int32Array(plane).fill(-1);
  const dist = new Float64Array(plane);
  const count = new Int32Array(n);
  for (let it = 0; it < maxIter; it++) {
    assign(img.dataStart, seg.dataStart, n, rows, cols, w[1], w[3], 1.0 / (step * step), dist.dataStart, near.dataStart);
    update(img.dataStart, seg.dataStart, n, rows, cols, near.dataStart, count.dataStart);
  }
  for (let p = 0; p < plane; p++) unchecked(near[p] += startLabel);
  if (enforce == 0) return near;
  const size = <f64>plane / <f64>n;
  return enforceConnectivity(near, rows, cols, <i32>(minSizeFactor * size), <i32>(maxSizeFactor * size), startLabel);
}

/**
 * skimage's _enforce_label_connectivity_cython in 2-D: raster scan; each unvisited pixel starts
 * a 4-connected breadth-first search over its label, cut at maxSize pixels; a component smaller
 * than minSize takes the label of the last differently-labelled visited neighbour seen (or keeps
 * the fresh label without consuming it when there is none: only the very first one can).
 */
function enforceConnectivity(labels: Int32Array, rows: i32, cols: i32, minSize: i32, maxSize: i32, startLabel: i32): Int32Array {
  const unset = startLabel - 1;
  const out = new Int32Array(labels.length).fill(unset);
  const queue = new Int32Array(max(maxSize, 1));
  let next = startLabel;
  for (let p0 = 0; p0 < labels.length; p0++) {
    if (unchecked(labels[p0]) == unset || unchecked(out[p0]) > unset) continue;
    let adjacent = next;
    const label = unchecked(labels[p0]);
    unchecked(out[p0] = next);
    unchecked(queue[0] = p0);
    let size = 1;
    let head = 0;
    while (head < size && size < maxSize) {
      const p = unchecked(queue[head]);
      const y = p / cols, x = p % cols;
      // skimage's neighbour order: x+1, x−1, y+1, y−1.
      for (let i = 0; i < 4; i++) {
        const yy = i < 2 ? y : (i == 2 ? y + 1 : y - 1);
        const xx = i == 0 ? x + 1 : (i == 1 ? x - 1 : x);
        if (xx < 0 || xx >= cols || yy < 0 || yy >= rows) continue;
        const q = yy * cols + xx;
        const o = unchecked(out[q]);
        if (unchecked(labels[q]) == label && o == unset) {
          unchecked(out[q] = next);
          unchecked(queue[size++] = q);
          if (size >= maxSize) break;
        } else if (o > unset && o != next) {
          adjacent = o;
        }
      }
      head++;
    }
    if (size < minSize) {
      for (let i = 0; i < size; i++) unchecked(out[unchecked(queue[i])] = adjacent);
    } else {
      next++;
    }
  }
  return out;
}

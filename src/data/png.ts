/**
 * Pictures as PNG bytes: a score map through a perceptual colour map (with an optional
 * ground-truth contour), a categorical cluster map, and a false-colour composite of a cube.
 *
 * The encoder is our own (8-bit RGB, filter 0, zlib by fflate, CRC-32 per chunk): it is ~40
 * lines and runs unchanged in Node and browsers, where pngjs needs Node streams and Buffer.
 */
import { zlibSync } from 'fflate';
import { CATEGORICAL, colormapTable, type ColormapName } from './colormap.ts';
import { DataError, type Cube, type LabelMap } from './cube.ts';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG chunks use) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes `rgb` (rows × cols × 3 bytes, row-major; × 4 with `channels` 4, RGBA) as an 8-bit
 * PNG, each pixel drawn as a `scale` × `scale` block (scenes of 100 × 100 pixels are too small
 * to read at one pixel each).
 */
export function encodePng(rgb: Uint8Array, rows: number, cols: number, scale = 1, channels: 3 | 4 = 3): Uint8Array<ArrayBuffer> {
  const n = channels;
  if (rgb.length !== rows * cols * n || rows < 1 || cols < 1) {
    throw new DataError('png', `pixels: expected ${rows}×${cols}×${n} = ${rows * cols * n} bytes, got ${rgb.length}`);
  }
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new DataError('png', `scale: expected an integer in 1..64, got ${scale}`);
  const [h, w] = [rows * scale, cols * scale];
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, n === 4 ? 6 : 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB) or 6 (RGBA), deflate, filter 0, no interlace
  // Each scanline is prefixed with its filter byte (0 = none); zlib does the compressing.
  const line = w * n + 1;
  const raw = new Uint8Array(h * line);
  for (let r = 0; r < rows; r++) {
    const first = r * scale * line;
    for (let c = 0; c < cols; c++) {
      for (let k = 0; k < scale; k++) raw.set(rgb.subarray((r * cols + c) * n, (r * cols + c) * n + n), first + 1 + (c * scale + k) * n);
    }
    for (let k = 1; k < scale; k++) raw.copyWithin(first + k * line, first, first + line);
  }
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
}

/** The value at percentile `p` (0–100, nearest rank on the sorted finite values). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const finite = Float64Array.from(values).filter(Number.isFinite).sort();
  if (finite.length === 0) return NaN;
  const i = Math.min(finite.length - 1, Math.max(0, Math.round((p / 100) * (finite.length - 1))));
  return finite[i];
}

export interface ScoreMapOptions {
  colormap?: ColormapName;
  /** The outline of this map's positive pixels is drawn (outside them, so scores stay visible). */
  gt?: LabelMap;
  contour?: 'white' | 'black';
  /** Fixed [lo, hi], or percentiles of the finite scores (default: robust 1st–99th). */
  range?: [number, number] | { percentiles: [number, number] };
  /** Each pixel as a scale × scale block (default 1). */
  scale?: number;
}

/** The colours of a heat map (rows × cols × 3 bytes) and the score range its colour map spans. */
export function scoreMapRgb(scores: Float32Array, rows: number, cols: number, opts: ScoreMapOptions = {}): { rgb: Uint8Array; lo: number; hi: number } {
  if (scores.length !== rows * cols) throw new DataError('scoreMapPng', `scores: expected ${rows}×${cols} = ${rows * cols} values, got ${scores.length}`);
  const [lo, hi] = Array.isArray(opts.range) ? opts.range
    : (opts.range?.percentiles ?? [1, 99]).map((p) => percentile(scores, p)) as [number, number];
  const table = colormapTable(opts.colormap ?? 'viridis');
  const rgb = new Uint8Array(rows * cols * 3);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) continue;
    const k = Math.round(Math.min(1, Math.max(0, (s - lo) / span)) * 255);
    rgb.set(table.subarray(k * 3, k * 3 + 3), i * 3);
  }
  return { rgb, lo, hi };
}

/** A heat map PNG of `scores` (rows × cols, row-major). NaN/Inf pixels are drawn black. */
export function scoreMapPng(scores: Float32Array, rows: number, cols: number, opts: ScoreMapOptions = {}): Uint8Array<ArrayBuffer> {
  const { rgb } = scoreMapRgb(scores, rows, cols, opts);
  if (opts.gt) drawContour(rgb, rows, cols, opts.gt, opts.contour === 'black' ? 0 : 255);
  return encodePng(rgb, rows, cols, opts.scale);
}

/** Pixels outside the positive region that touch it (8-neighbourhood): the outer contour. */
export function contourPixels(gt: LabelMap): Uint8Array {
  const { rows, cols, data } = gt;
  const on = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (data[r * cols + c] > 0) continue;
      let touch = false;
      for (let dr = -1; dr <= 1 && !touch; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr, cc = c + dc;
          if (rr >= 0 && rr < rows && cc >= 0 && cc < cols && data[rr * cols + cc] > 0) touch = true;
        }
      }
      on[r * cols + c] = touch ? 1 : 0;
    }
  }
  return on;
}

function drawContour(rgb: Uint8Array, rows: number, cols: number, gt: LabelMap, value: number): void {
  if (gt.rows !== rows || gt.cols !== cols) {
    throw new DataError(gt.name ?? 'gt', `size: expected ${rows}×${cols} like the scores, got ${gt.rows}×${gt.cols}`, 'pass the map of this scene');
  }
  const on = contourPixels(gt);
  for (let i = 0; i < on.length; i++) if (on[i]) rgb.fill(value, i * 3, i * 3 + 3);
}

export interface ClusterMapOptions {
  /** RGB colours; label k (k ≥ 1, or k ≥ 0 when `unlabelled` is unset) takes entry k mod length. */
  palette?: readonly (readonly [number, number, number])[];
  /** Pixels with this label are drawn black (e.g. 0 for unlabelled ground truth). */
  unlabelled?: number;
  /** Each pixel as a scale × scale block (default 1). */
  scale?: number;
}

/** A categorical PNG of `labels` (rows × cols, row-major). Negative labels are drawn black. */
export function clusterMapPng(labels: Int32Array, rows: number, cols: number, opts: ClusterMapOptions = {}): Uint8Array<ArrayBuffer> {
  if (labels.length !== rows * cols) throw new DataError('clusterMapPng', `labels: expected ${rows}×${cols} = ${rows * cols} values, got ${labels.length}`);
  const palette = opts.palette ?? CATEGORICAL;
  if (palette.length === 0) throw new DataError('clusterMapPng', 'palette: expected at least one colour, got none');
  const rgb = new Uint8Array(rows * cols * 3);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (k < 0 || k === opts.unlabelled) continue;
    rgb.set(palette[k % palette.length], i * 3);
  }
  return encodePng(rgb, rows, cols, opts.scale);
}

export interface FalseColourOptions {
  /** Band indices for red, green, blue (default: nearest 640/550/460 nm, else the thirds). */
  bands?: [number, number, number];
  /** Per-channel stretch percentiles (default 2 and 98). */
  stretch?: [number, number];
  /** Each pixel as a scale × scale block (default 1). */
  scale?: number;
}

/** Default RGB bands: nearest to 640/550/460 nm when the wavelengths cover them, else the thirds. */
export function defaultRgbBands(cube: Cube): [number, number, number] {
  const wl = cube.wavelengths;
  if (wl && wl.length === cube.bands) {
    // Files give nm or µm; a maximum below 100 means µm.
    const scale = Math.max(...wl) < 100 ? 1e-3 : 1;
    const targets = [640, 550, 460].map((t) => t * scale);
    const lo = Math.min(...wl), hi = Math.max(...wl);
    if (lo <= targets[2] && hi >= targets[0]) {
      return targets.map((t) => wl.reduce((best, w, i) => (Math.abs(w - t) < Math.abs(wl[best] - t) ? i : best), 0)) as [number, number, number];
    }
  }
  const b = cube.bands;
  return [Math.floor((5 * b) / 6), Math.floor(b / 2), Math.floor(b / 6)];
}

/** A false-colour RGB PNG of `cube`: three bands, each stretched between its percentiles. */
export function falseColourPng(cube: Cube, opts: FalseColourOptions = {}): Uint8Array<ArrayBuffer> {
  return encodePng(falseColourRgb(cube, opts), cube.rows, cube.cols, opts.scale);
}

/** The pixels of falseColourPng (rows × cols × 3 bytes) before encoding. */
export function falseColourRgb(cube: Cube, opts: FalseColourOptions = {}): Uint8Array {
  const bands = opts.bands ?? defaultRgbBands(cube);
  const [pLo, pHi] = opts.stretch ?? [2, 98];
  const plane = cube.rows * cube.cols;
  const rgb = new Uint8Array(plane * 3);
  bands.forEach((b, ch) => {
    if (!Number.isInteger(b) || b < 0 || b >= cube.bands) {
      throw new DataError(cube.name ?? 'cube', `band ${b}: expected an index in 0..${cube.bands - 1}`, 'pick bands within the cube');
    }
    const band = cube.data.subarray(b * plane, (b + 1) * plane);
    const lo = percentile(band, pLo);
    const span = percentile(band, pHi) - lo || 1;
    for (let i = 0; i < plane; i++) rgb[i * 3 + ch] = Math.round(Math.min(1, Math.max(0, (band[i] - lo) / span)) * 255);
  });
  return rgb;
}

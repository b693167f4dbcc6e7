/**
 * The figures of a detection run: the score map with a colour bar and the ground-truth outline
 * drawn on the edges of the pixels around each target (never over a whole neighbouring pixel,
 * so the scores beside a one-pixel target stay visible), the same outline alone as a
 * transparent overlay (gt-overlay.png, for toggling in a viewer or GIS), the ROC curve on a
 * log false-alarm axis, and the map of detections at a threshold.
 */
import { colormapTable } from '../data/colormap.ts';
import { encodePng, falseColourRgb, scoreMapRgb } from '../data/png.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import type { RocPoint } from '../metrics/roc.ts';
import { Canvas, formatValue, textWidth, type Rgb } from './canvas.ts';

const WHITE: Rgb = [255, 255, 255], BLACK: Rgb = [0, 0, 0], GREY: Rgb = [215, 215, 215], BLUE: Rgb = [31, 90, 180], RED: Rgb = [230, 30, 30];

/** Width of the outline on a block of `scale` pixels: a quarter of it, at least one pixel. */
const outlineWidth = (scale: number): number => Math.max(1, Math.floor(scale / 4));

/**
 * Calls `paint(x, y, w, h)` for each outline segment: along every side a target pixel shares
 * with a non-target one (or the border), a strip inside the non-target block (outside the image
 * at the border, so nothing is drawn there). Each block is `scale` pixels.
 */
function outlineStrips(gt: LabelMap, scale: number, paint: (x: number, y: number, w: number, h: number) => void): void {
  const { rows, cols, data } = gt;
  const t = outlineWidth(scale);
  const on = (r: number, c: number): boolean => r >= 0 && r < rows && c >= 0 && c < cols && data[r * cols + c] > 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!on(r, c)) continue;
      const [x, y] = [c * scale, r * scale];
      if (!on(r - 1, c)) paint(x - t, y - t, scale + 2 * t, t);
      if (!on(r + 1, c)) paint(x - t, y + scale, scale + 2 * t, t);
      if (!on(r, c - 1)) paint(x - t, y - t, t, scale + 2 * t);
      if (!on(r, c + 1)) paint(x + scale, y - t, t, scale + 2 * t);
    }
  }
}

/**
 * The score map with a colour bar (unless `colourBar` is false: the app draws its own) and,
 * with a map, the ground-truth outline beside the targets.
 */
export function scoreFigure(scores: Float32Array, rows: number, cols: number, opts: { gt?: LabelMap; scale: number; colourBar?: boolean }): Uint8Array<ArrayBuffer> {
  const { rgb, lo, hi } = scoreMapRgb(scores, rows, cols);
  const s = opts.scale;
  const [w, h] = [cols * s, rows * s];
  if (opts.colourBar === false) {
    const c = new Canvas(w, h);
    c.image(rgb, rows, cols, 0, 0, s);
    if (opts.gt) outlineStrips(opts.gt, s, (x, y, sw, sh) => c.rect(x, y, sw, sh, WHITE));
    return c.png();
  }
  const size = h >= 240 ? 2 : 1;
  const labels = [hi, (lo + hi) / 2, lo].map(formatValue);
  const barX = w + 12, barW = 16, textX = barX + barW + 6;
  const c = new Canvas(textX + Math.max(...labels.map((l) => textWidth(l, size))) + 8, Math.max(h, 40), WHITE);
  c.image(rgb, rows, cols, 0, 0, s);
  if (opts.gt) outlineStrips(opts.gt, s, (x, y, sw, sh) => c.rect(x, y, sw, sh, WHITE));
  // The bar: the colour map from hi (top) to lo (bottom); scores beyond the range take the end colours.
  const table = colormapTable('viridis');
  for (let y = 0; y < h; y++) {
    const k = Math.round((1 - y / Math.max(1, h - 1)) * 255);
    c.rect(barX, y, barW, 1, [table[k * 3], table[k * 3 + 1], table[k * 3 + 2]]);
  }
  const th = 7 * size;
  c.text(textX, 0, labels[0], BLACK, size);
  c.text(textX, Math.round((h - th) / 2), labels[1], BLACK, size);
  c.text(textX, h - th, labels[2], BLACK, size);
  return c.png();
}

/** The outline alone on a transparent image the size of the score map (RGBA). */
export function gtOverlayPng(gt: LabelMap, scale: number): Uint8Array<ArrayBuffer> {
  const [w, h] = [gt.cols * scale, gt.rows * scale];
  const rgba = new Uint8Array(w * h * 4);
  outlineStrips(gt, scale, (x, y, sw, sh) => {
    for (let j = Math.max(0, y); j < Math.min(h, y + sh); j++) for (let i = Math.max(0, x); i < Math.min(w, x + sw); i++) rgba.set([255, 255, 255, 255], (j * w + i) * 4);
  });
  return encodePng(rgba, h, w, 1, 4);
}

/**
 * The ROC curve: P_D against the false-alarm rate on a log axis from the smallest rate the
 * scene can show (one background pixel) to 1, decades marked, as HAD papers draw it.
 */
export function rocFigure(curve: readonly RocPoint[], background: number, auc?: number): Uint8Array<ArrayBuffer> {
  const [W, H, left, right, top, bottom] = [560, 400, 56, 20, 16, 44];
  const c = new Canvas(W, H, WHITE);
  const decades = Math.min(6, Math.max(1, Math.ceil(Math.log10(Math.max(10, background)))));
  const [pw, ph] = [W - left - right, H - top - bottom];
  const px = (pf: number): number => left + ((Math.log10(Math.max(pf, 10 ** -decades)) + decades) / decades) * pw;
  const py = (pd: number): number => top + (1 - pd) * ph;
  for (let d = 0; d <= decades; d++) {
    const x = px(10 ** -d);
    c.line(x, top, x, top + ph, GREY);
    const label = d === 0 ? '1' : `1e-${d}`;
    c.text(Math.round(x - textWidth(label, 2) / 2), top + ph + 8, label, BLACK, 2);
  }
  for (let k = 0; k <= 5; k++) {
    const y = py(k / 5);
    c.line(left, y, left + pw, y, GREY);
    const label = formatValue(k / 5);
    c.text(left - 8 - textWidth(label, 2), Math.round(y - 7), label, BLACK, 2);
  }
  c.line(left, top, left, top + ph, BLACK);
  c.line(left, top + ph, left + pw, top + ph, BLACK);
  c.text(left + pw - textWidth('FAR', 2), H - 14, 'FAR', BLACK, 2);
  c.text(4, top, 'PD', BLACK, 2);
  // A staircase: P_D holds until the next false alarm.
  let [x0, y0] = [px(0), py(0)];
  for (const p of curve) {
    const [x, y] = [px(p.pf), py(p.pd)];
    c.line(x0, y0, x, y0, BLUE, 2);
    c.line(x, y0, x, y, BLUE, 2);
    [x0, y0] = [x, y];
  }
  if (auc !== undefined) c.text(left + 12, top + 10, `AUC ${auc.toFixed(4)}`, BLACK, 2);
  return c.png();
}

/** The scene in grey with the detections (mask > 0) in red. */
export function detectionFigure(cube: Cube, mask: Int32Array, scale: number): Uint8Array<ArrayBuffer> {
  const rgb = falseColourRgb(cube);
  for (let i = 0; i < mask.length; i++) {
    const grey = Math.round((rgb[i * 3] + rgb[i * 3 + 1] + rgb[i * 3 + 2]) / 6); // dimmed, so red stands out
    rgb.set(mask[i] > 0 ? RED : [grey, grey, grey], i * 3);
  }
  return encodePng(rgb, cube.rows, cube.cols, scale);
}

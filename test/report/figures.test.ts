// report/far.ts, report/canvas.ts and report/figures.ts: thresholds from scores alone, P_D at a
// false-alarm rate, the colour bar's labels, the ROC plot's axes, all read back from the PNGs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { colormapTable } from '../../src/data/colormap.ts';
import { percentile } from '../../src/data/png.ts';
import { rocCurve } from '../../src/metrics/roc.ts';
import { Canvas, formatValue, textWidth } from '../../src/report/canvas.ts';
import { pdAtFar, thresholdAtFar } from '../../src/report/far.ts';
import { rocFigure, scoreFigure } from '../../src/report/figures.ts';
import { decodePngRef, type DecodedPng } from '../ref/png.ts';

const test = suite('report/figures');
const pixel = (p: DecodedPng, x: number, y: number): number[] => [...p.rgb.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3)];

test('thresholdAtFar: the score ranked ⌊far·N⌋ from the top; NaN never detects; ties stay below', () => {
  const scores = Float32Array.from({ length: 1000 }, (_, i) => i);
  assert.equal(thresholdAtFar(scores, 1e-2), { far: 1e-2, threshold: 989, detections: 10 });
  assert.equal(thresholdAtFar(scores, 1e-4), { far: 1e-4, threshold: 999, detections: 0 });
  const withNaN = Float32Array.from([NaN, 5, 1, 5, 3]);
  assert.equal(thresholdAtFar(withNaN, 0.2), { far: 0.2, threshold: 5, detections: 0 }, 'two tied tops: neither above');
  assert.equal(thresholdAtFar(withNaN, 0.5), { far: 0.5, threshold: 3, detections: 2 });
});

test('pdAtFar: P_D at the last ROC point within the rate', () => {
  // 10 anomalies scored 100.25 … 104.75; of 1000 background pixels five score above them all (105.5 … 105.9).
  const scores = [...Array.from({ length: 10 }, (_, i) => 100.25 + i * 0.5), ...Array.from({ length: 1000 }, (_, i) => i * 0.1 + (i >= 995 ? 6 : 0))];
  const curve = rocCurve(scores, scores.map((_, i) => (i < 10 ? 1 : 0)));
  assert.equal([1e-3, 4e-3, 5e-3, 1e-2].map((f) => pdAtFar(curve, f)), [0, 0, 1, 1]);
});

test('canvas text: each glyph 5 × 7, 6 apart; formatValue: 3 significant digits or exponent form', () => {
  const c = new Canvas(40, 9, [255, 255, 255]);
  c.text(1, 1, '1-', [0, 0, 0]);
  const ink = (x: number, y: number): boolean => c.rgb[(y * 40 + x) * 3] === 0;
  assert.ok(ink(3, 1) && ink(2, 2) && ink(3, 7) && ink(2, 7) && ink(4, 7), "'1': top, flag, foot");
  assert.ok([7, 8, 9, 10, 11].every((x) => ink(x, 4)) && !ink(7, 3), "'-': one row across");
  assert.is(textWidth('1-', 2), 22);
  assert.equal([0.000123, 0.5, 17.834, 123456, -2e-7, 0].map(formatValue), ['1.23e-4', '0.5', '17.8', '1.23e+5', '-2e-7', '0']);
});

test('scoreFigure: map pixels in the colour map, a bar from the top colour to the bottom one, labels of the range', () => {
  const [rows, cols, scale] = [20, 30, 4];
  const scores = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 10);
  const fig = decodePngRef(scoreFigure(scores, rows, cols, { scale }));
  assert.is(fig.height, rows * scale);
  const table = colormapTable('viridis');
  const [lo, hi] = [percentile(scores, 1), percentile(scores, 99)];
  const k = Math.round(Math.min(1, Math.max(0, (scores[0] - lo) / (hi - lo))) * 255);
  assert.equal(pixel(fig, 1, 1), [...table.subarray(k * 3, k * 3 + 3)], 'pixel (0, 0) of the map');
  const barX = cols * scale + 12;
  assert.equal(pixel(fig, barX + 8, 0), [...table.subarray(255 * 3, 256 * 3)]);
  assert.equal(pixel(fig, barX + 8, rows * scale - 1), [...table.subarray(0, 3)]);
  // The top label is the 99th percentile, drawn as Canvas.text draws it.
  const label = formatValue(hi);
  const ref = new Canvas(textWidth(label), 7, [255, 255, 255]);
  ref.text(0, 0, label, [0, 0, 0]);
  const textX = barX + 16 + 6;
  for (let y = 0; y < 7; y++) for (let x = 0; x < ref.width; x++) assert.equal(pixel(fig, textX + x, y), [...ref.rgb.subarray((y * ref.width + x) * 3, (y * ref.width + x) * 3 + 3)]);
});

test('rocFigure: a perfect detector climbs the P_D axis at the left edge and runs along the top', () => {
  const scores = [9, 8, 7, 1, 2, 3, 4, 5, 6, 0.5];
  const labels = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
  const fig = decodePngRef(rocFigure(rocCurve(scores, labels), 7, 1));
  assert.equal([fig.width, fig.height], [560, 400]);
  const blue = (x: number, y: number): boolean => pixel(fig, x, y).join() === '31,90,180';
  // Plot area: x 56 … 540, y 16 … 356; the curve goes up at x = 56 and along y = 16.
  assert.ok(blue(56, 200) && blue(56, 30), 'vertical at the left edge');
  assert.ok(blue(300, 16) && blue(539, 16), 'horizontal at P_D = 1');
  assert.ok(!blue(300, 200), 'nothing in the middle');
});

test.run();

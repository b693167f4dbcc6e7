import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CATEGORICAL, colormapTable, type ColormapName } from '../../src/data/colormap.ts';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { clusterMapPng, contourPixels, defaultRgbBands, encodePng, falseColourPng, scoreMapPng } from '../../src/data/png.ts';
import { rng, throwsLike, uniform } from '../harness/gpu.ts';
import { decodePngRef } from '../ref/png.ts';
import { skip } from '../harness/skip.ts';

const test = suite('data/png');

function decoded(png: Uint8Array, rows: number, cols: number): Uint8Array {
  const d = decodePngRef(png);
  assert.equal([d.height, d.width], [rows, cols]);
  return d.rgb;
}

test('encodePng round-trips arbitrary pixels, odd sizes included', () => {
  for (const [rows, cols] of [[1, 1], [7, 13], [64, 33]]) {
    const r = rng(rows * cols);
    const rgb = Uint8Array.from({ length: rows * cols * 3 }, () => Math.floor(r() * 256));
    assert.equal(decoded(encodePng(rgb, rows, cols), rows, cols), rgb);
  }
});

test('scale draws each pixel as a block (nearest neighbour)', () => {
  const [rows, cols, k] = [3, 5, 4];
  const r = rng(9);
  const rgb = Uint8Array.from({ length: rows * cols * 3 }, () => Math.floor(r() * 256));
  const big = decoded(encodePng(rgb, rows, cols, k), rows * k, cols * k);
  for (let y = 0; y < rows * k; y++) {
    for (let x = 0; x < cols * k; x++) {
      const src = (Math.floor(y / k) * cols + Math.floor(x / k)) * 3;
      assert.equal([...big.subarray((y * cols * k + x) * 3, (y * cols * k + x) * 3 + 3)], [...rgb.subarray(src, src + 3)]);
    }
  }
  const s = decodePngRef(scoreMapPng(Float32Array.from({ length: 6 }, (_, i) => i), 2, 3, { scale: 2 }));
  assert.equal([s.height, s.width], [4, 6]);
  throwsLike(() => encodePng(rgb, rows, cols, 0), DataError, /png: scale: expected an integer in 1\.\.64, got 0/);
});

test('colour tables agree with matplotlib\'s published entries (between our anchors too)', () => {
  // Entries of matplotlib's _cm_listed.py that are not anchors of colormap.ts.
  const published: [ColormapName, number, number[]][] = [
    ['viridis', 8, [0.277018, 0.050344, 0.375715]], ['viridis', 100, [0.166617, 0.463708, 0.558119]],
    ['viridis', 140, [0.119423, 0.611141, 0.538982]], ['viridis', 200, [0.440137, 0.811138, 0.340967]],
    ['magma', 8, [0.013708, 0.011771, 0.068667]], ['magma', 100, [0.537755, 0.156894, 0.506551]],
    ['inferno', 8, [0.013995, 0.011225, 0.071862]], ['inferno', 72, [0.391453, 0.080927, 0.433109]],
    ['viridis', 0, [0.267004, 0.004874, 0.329415]], ['inferno', 255, [0.988362, 0.998364, 0.644924]],
  ];
  for (const [name, i, want] of published) {
    const got = Array.from(colormapTable(name).subarray(i * 3, i * 3 + 3));
    // Interpolation between anchors 16 apart: within 0.01 (2.55 levels) plus half a level of rounding.
    want.forEach((w, ch) => assert.ok(Math.abs(got[ch] - w * 255) <= 0.01 * 255 + 0.5, `${name}[${i}] channel ${ch}: ${got[ch]} vs ${w * 255}`));
  }
});

test('score map: the colour of each pixel, NaN black, the ground-truth contour outside the target', () => {
  const [rows, cols] = [9, 11];
  const scores = Float32Array.from({ length: rows * cols }, (_, i) => (i % 23) / 20 - 0.05); // beyond [0, 1] at both ends
  scores[5] = NaN;
  const gtData = new Int32Array(rows * cols);
  for (const [r, c] of [[3, 4], [3, 5], [4, 4], [4, 5]]) gtData[r * cols + c] = 1;
  for (const cmap of ['viridis', 'inferno'] as const) {
    const rgb = decoded(scoreMapPng(scores, rows, cols, { colormap: cmap, range: [0, 1], gt: { rows, cols, data: gtData } }), rows, cols);
    const table = colormapTable(cmap);
    for (let i = 0; i < rows * cols; i++) {
      const [r, c] = [Math.floor(i / cols), i % cols];
      const ring = r >= 2 && r <= 5 && c >= 3 && c <= 6 && gtData[i] === 0; // the 8-neighbour ring of the 2×2 block
      const k = Math.round(Math.min(1, Math.max(0, scores[i])) * 255);
      const want = ring ? [255, 255, 255] : Number.isNaN(scores[i]) ? [0, 0, 0] : Array.from(table.subarray(k * 3, k * 3 + 3));
      assert.equal(Array.from(rgb.subarray(i * 3, i * 3 + 3)), want, `${cmap} pixel ${i}`);
    }
  }
  assert.is(contourPixels({ rows, cols, data: gtData }).reduce((a, v) => a + v, 0), 12);
});

test('score map default range is the 1st–99th percentile: one outlier does not flatten the rest', () => {
  const scores = Float32Array.from({ length: 200 }, (_, i) => i);
  scores[0] = 1e9;
  const rgb = decoded(scoreMapPng(scores, 10, 20), 10, 20);
  const table = colormapTable('viridis');
  // Sorted finite values: 1..199, 1e9; nearest-rank 1% = index round(1.99) = 2 → 3, 99% = index 197 → 198.
  const want = (s: number) => Array.from(table.subarray(Math.round(Math.min(1, Math.max(0, (s - 3) / 195)) * 255) * 3).subarray(0, 3));
  for (const i of [1, 50, 100, 150, 199, 0]) assert.equal(Array.from(rgb.subarray(i * 3, i * 3 + 3)), want(scores[i]), `pixel ${i}`);
});

test('cluster map: palette by label, unlabelled and negative labels black', () => {
  const labels = Int32Array.from({ length: 6 * 5 }, (_, i) => (i % 30) - 2);
  const rgb = decoded(clusterMapPng(labels, 6, 5, { unlabelled: 0 }), 6, 5);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    const want = k <= 0 ? [0, 0, 0] : [...CATEGORICAL[k % CATEGORICAL.length]];
    assert.equal(Array.from(rgb.subarray(i * 3, i * 3 + 3)), want, `label ${k}`);
  }
  const seen = new Set(CATEGORICAL.map((c) => c.join(',')));
  assert.is(seen.size, CATEGORICAL.length, 'palette colours are distinct');
  const mine = decoded(clusterMapPng(Int32Array.from([0, 1, 2, 3]), 2, 2, { palette: [[1, 2, 3], [4, 5, 6]] }), 2, 2);
  assert.equal(Array.from(mine), [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
});

test('false colour: chosen bands, each stretched between its 2nd and 98th percentiles', () => {
  const [rows, cols, bands] = [12, 10, 5];
  const cube = makeCube('t', rows, cols, bands, uniform(rows * cols * bands, 4, -3, 7));
  const plane = rows * cols;
  const rgb = decoded(falseColourPng(cube, { bands: [4, 0, 2] }), rows, cols);
  [4, 0, 2].forEach((b, ch) => {
    const band = Array.from(cube.data.subarray(b * plane, (b + 1) * plane));
    const sorted = [...band].sort((x, y) => x - y);
    const lo = sorted[Math.round(0.02 * (plane - 1))], hi = sorted[Math.round(0.98 * (plane - 1))];
    for (let i = 0; i < plane; i++) {
      const want = Math.round(Math.min(1, Math.max(0, (band[i] - lo) / (hi - lo))) * 255);
      assert.is(rgb[i * 3 + ch], want, `band ${b} pixel ${i}`);
    }
  });
  assert.equal(defaultRgbBands({ ...cube, wavelengths: [400, 460, 550, 640, 700] }), [3, 2, 1]);
  assert.equal(defaultRgbBands({ ...cube, wavelengths: [0.4, 0.46, 0.55, 0.64, 0.7] }), [3, 2, 1]);
  assert.equal(defaultRgbBands({ ...cube, wavelengths: [1000, 1100, 1200, 1300, 1400] }), [4, 2, 0]);
});

test('in browsers, the browser\'s own PNG decoder sees the same pixels (Node: no decoder, nothing to do)', async () => {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return skip('host', 'no createImageBitmap / OffscreenCanvas (Node)');
  const [rows, cols] = [13, 17];
  const scores = uniform(rows * cols, 8, 0, 1);
  const pictures = [
    scoreMapPng(scores, rows, cols, { gt: { rows, cols, data: Int32Array.from(scores, (s) => (s > 0.9 ? 1 : 0)) } }),
    clusterMapPng(Int32Array.from(scores, (s) => Math.floor(s * 12)), rows, cols),
  ];
  for (const png of pictures) {
    const bitmap = await createImageBitmap(new Blob([png], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const ctx = new OffscreenCanvas(cols, rows).getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, cols, rows).data;
    const rgb = Uint8Array.from({ length: rows * cols * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]);
    assert.equal(rgb, decodePngRef(png).rgb);
  }
});

test('bad input names the picture and the problem', () => {
  throwsLike(() => scoreMapPng(new Float32Array(5), 2, 3), DataError, /^scoreMapPng: scores: expected 2×3 = 6 values, got 5/);
  throwsLike(() => scoreMapPng(new Float32Array(6), 2, 3, { gt: { rows: 3, cols: 2, data: new Int32Array(6), name: 'gt.mat:map' } }), DataError, /gt\.mat:map: size: expected 2×3 like the scores, got 3×2; pass the map of this scene/);
  throwsLike(() => clusterMapPng(new Int32Array(5), 2, 3), DataError, /clusterMapPng: labels: expected 2×3 = 6 values, got 5/);
  throwsLike(() => falseColourPng(makeCube('c.mat', 2, 2, 3, new Float32Array(12)), { bands: [0, 1, 3] }), DataError, /c\.mat: band 3: expected an index in 0\.\.2; pick bands/);
  throwsLike(() => encodePng(new Uint8Array(5), 1, 2), DataError, /png: pixels: expected 1×2×3 = 6 bytes, got 5/);
});

test.run();

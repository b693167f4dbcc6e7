import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { synthScene } from '../../src/data/synth.ts';
import { Bs3lnet, bs3lnetResiduals, bs3lnetScores } from '../../src/models/bs3lnet.ts';
import { trainBs3lnet } from '../../src/models/bs3train.ts';
import { pdMerge, pdPart, pdSplit } from '../../src/models/pd.ts';
import { assertClose, testGpu, uniform } from '../harness/gpu.ts';

const test = suite('models/pd');

/** numpy 'reflect' (no edge duplication), written out for the reference. */
const refl = (i: number, n: number): number => (i < n ? i : 2 * (n - 1) - i);

test('pdSplit: sub-image (i, j) holds pixels (i + f·r, j + f·c), reflect-padded; pdMerge inverts it', () => {
  for (const [rows, cols, f] of [[5, 7, 2], [9, 9, 3], [4, 11, 3], [6, 6, 1]]) {
    const bands = 2;
    const cube = { rows, cols, bands, data: uniform(bands * rows * cols, rows * cols) };
    const pd = pdSplit(cube, f);
    const [h, w] = [Math.ceil(rows / f), Math.ceil(cols / f)];
    assert.equal([pd.subRows, pd.subCols, pd.data.length], [h, w, f * f * bands * h * w]);
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < f; j++) {
        const part = pdPart(pd, i * f + j);
        for (let b = 0; b < bands; b++) {
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < w; c++) {
              const want = cube.data[(b * rows + refl(i + f * r, rows)) * cols + refl(j + f * c, cols)];
              assert.is(part.data[(b * h + r) * w + c], want, `${rows}×${cols} f ${f}: (${i}, ${j}) band ${b} at (${r}, ${c})`);
            }
          }
        }
      }
    }
    // Each sub-image pixel labelled with its scene index: merging must give 0, 1, 2, … back.
    const parts = Array.from({ length: f * f }, (_, k) => Float32Array.from({ length: h * w }, (_, p) => {
      const [i, j, r, c] = [Math.floor(k / f), k % f, Math.floor(p / w), p % w];
      return refl(i + f * r, rows) * cols + refl(j + f * c, cols);
    }));
    assert.equal(Array.from(pdMerge(parts, pd)), Array.from({ length: rows * cols }, (_, p) => p));
  }
});

test('a PD model scores each sub-image with the same network and merges; PD training runs in both modes', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 11, cols: 9, bands: 5, anomalies: 1, seed: 2 });
  const withPd = new Bs3lnet(gpu, { bands: 5, hidden: 8, blindspot: 'conv', seed: 4, pd: 2 });
  const plain = new Bs3lnet(gpu, { bands: 5, hidden: 8, blindspot: 'conv', seed: 4 });
  const pd = pdSplit(cube, 2);
  const parts = [];
  for (let k = 0; k < 4; k++) parts.push(await bs3lnetScores(gpu, plain, pdPart(pd, k)));
  assert.equal(Array.from(await bs3lnetScores(gpu, withPd, cube)), Array.from(pdMerge(parts, pd)));
  for (const m of [withPd, plain]) m.dispose();
  for (const blindspot of ['mask', 'conv'] as const) {
    const r = await trainBs3lnet(gpu, cube, { blindspot, pd: 3, epochs: 2 });
    assert.is(r.model.pd, 3);
    assert.ok(r.losses.every(Number.isFinite), `${blindspot}: ${r.losses}`);
    const s = await bs3lnetScores(gpu, r.model, r.input);
    assert.ok(s.length === 99 && s.every((v) => Number.isFinite(v) && v >= 0));
    // The residual cube, merged band by band, gives the same scores.
    const res = await bs3lnetResiduals(gpu, r.model, r.input);
    const fromRes = Array.from({ length: 99 }, (_, p) => {
      let q = 0;
      for (let b = 0; b < 5; b++) q += res.data[b * 99 + p] ** 2;
      return q / 5;
    });
    assertClose(`residuals ${blindspot}`, s, fromRes, { rtol: 1e-5, atol: 1e-6 });
    r.model.dispose();
  }
});

test.run();

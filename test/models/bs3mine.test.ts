import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, OptionError } from '../../src/index.ts';
import { synthScene } from '../../src/data/synth.ts';
import { ErrorMap } from '../../src/models/bs3mine.ts';
import { pdSplit } from '../../src/models/pd.ts';
import { bs3Settings, trainBs3lnet } from '../../src/models/bs3train.ts';
import { testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('models/bs3mine');

/** Per-pixel values of a window as a step sees them: [f², 1, h', w'] (pd.ts), or the window itself. */
function asStep(values: Float32Array, h: number, w: number, f: number): Float32Array {
  return f === 1 ? values : pdSplit({ rows: h, cols: w, bands: 1, data: values }, f).data;
}

test('ErrorMap: a step window (crop, PD 2, odd sizes) lands at its scene pixels; weights drop the top fraction', async () => {
  const gpu = await testGpu();
  const map = new ErrorMap(12, 15);
  assert.is(map.weights(gpu, { r0: 0, c0: 0, h: 12, w: 15, f: 1 }, 0.1), null, 'nothing known yet');
  // A 7×9 crop at (3, 5): pixel (r, c) of the scene carries the value 100·r + c.
  const at = { r0: 3, c0: 5, h: 7, w: 9, f: 2 };
  const win = Float32Array.from({ length: 63 }, (_, i) => 100 * (at.r0 + Math.floor(i / 9)) + at.c0 + (i % 9));
  map.record(asStep(win, 7, 9, 2), at);
  for (let r = 0; r < 12; r++) {
    for (let c = 0; c < 15; c++) {
      const inside = r >= 3 && r < 10 && c >= 5 && c < 14;
      const v = map.err[r * 15 + c];
      assert.ok(inside ? v === 100 * r + c : Number.isNaN(v), `(${r}, ${c}): ${v}`);
    }
  }
  // The top 10 % of the 63 known errors (the 6 above the 57th smallest): the last row's largest columns.
  const w = map.weights(gpu, { r0: 0, c0: 0, h: 12, w: 15, f: 1 }, 0.1)!;
  assert.equal(w.shape, [1, 1, 12, 15]);
  const wd = await w.data();
  const dropped = [...wd.keys()].filter((i) => wd[i] === 0).map((i) => [Math.floor(i / 15), i % 15]);
  assert.equal(dropped, [[9, 8], [9, 9], [9, 10], [9, 11], [9, 12], [9, 13]]);
  // The same weights for a PD-2 step over the whole scene come split like its images.
  const wp = map.weights(gpu, { r0: 0, c0: 0, h: 12, w: 15, f: 2 }, 0.1)!;
  assert.equal(wp.shape, [4, 1, 6, 8]);
  assert.equal(Array.from(await wp.data()), Array.from(asStep(wd as Float32Array, 12, 15, 2)));
  for (const t of [w, wp]) t.dispose();
});

test('cosine schedule through the shared loop: step i trains at lr·(1 + cos(πi/steps))/2; constant stays; settings are checked', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 10, cols: 9, bands: 3, anomalies: 1, seed: 2 });
  const lrs = async (o: Parameters<typeof trainBs3lnet>[2]): Promise<number[]> => {
    const seen: number[] = [];
    const r = await trainBs3lnet(gpu, cube, { ...o, epochs: 8, onProgress: (p) => seen.push(p.lr) });
    r.model.dispose();
    return seen;
  };
  assert.equal(await lrs({}), Array.from({ length: 8 }, (_, i) => (1e-3 * (1 + Math.cos((Math.PI * i) / 8))) / 2));
  assert.equal(await lrs({ blindspot: 'mask' }), Array(8).fill(1e-3));
  throwsLike(() => bs3Settings({ schedule: 'step' as never }), OptionError, /trainBs3lnet: schedule: expected 'constant' or 'cosine', got step/);
  throwsLike(() => bs3Settings({ mine: 0.6 }), OptionError, /trainBs3lnet: mine: expected a fraction in \[0, 0\.5\), got 0\.6/);
  throwsLike(() => bs3Settings({ mineFrom: -1 }), OptionError, /trainBs3lnet: mineFrom: expected a step number ≥ 0, got -1/);
  throwsLike(() => bs3Settings({ blindspot: 'mask', mine: 0.02 }), OptionError, /trainBs3lnet: mine: expected 0 \(off\) unless whole-image steps train the 'conv' blind-spot network, got 0\.02 with image steps and 'mask'/);
});

test('fast preset: conv gets PD 2, cosine, mining and the L1 score; mask keeps PD 1, constant lr, no mining, L2; options win', () => {
  const pick = (o: Parameters<typeof bs3Settings>[0]) => {
    const s = bs3Settings(o);
    return [s.blindspot, s.pd, s.schedule, s.mine, s.mineFrom, s.score];
  };
  assert.equal(pick({}), ['conv', 2, 'cosine', 0.02, 20, 'l1']);
  assert.equal(pick({ blindspot: 'mask' }), ['mask', 1, 'constant', 0, 20, 'l2']);
  assert.equal(pick({ blindspot: 'mask', pd: 2, schedule: 'cosine', score: 'l1' }), ['mask', 2, 'cosine', 0, 20, 'l1']);
  assert.equal(pick({ mine: 0, schedule: 'constant', pd: 1, score: 'l2' }), ['conv', 1, 'constant', 0, 20, 'l2']);
  assert.equal(pick({ preset: 'paper' }), ['mask', 1, 'constant', 0, 0, 'l2']);
  throwsLike(() => bs3Settings({ score: 'l3' as never }), OptionError, /trainBs3lnet: score: expected 'l2' or 'l1', got l3/);
});

test('mining changes training only from mineFrom on, where it leaves pixels out of the loss', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 24, cols: 20, bands: 8, anomalies: 3, seed: 5 });
  const base = await trainBs3lnet(gpu, cube, { epochs: 6, seed: 3, mine: 0 });
  const mined = await trainBs3lnet(gpu, cube, { epochs: 6, seed: 3, mine: 0.05, mineFrom: 3 });
  assert.equal(mined.losses.slice(0, 3), base.losses.slice(0, 3), 'identical before mineFrom');
  // Left-out pixels count as zero error in the mean: the mined loss is lower at once.
  assert.ok(mined.losses[3] < base.losses[3], `${mined.losses[3]} vs ${base.losses[3]}`);
  for (const m of [base.model, mined.model]) m.dispose();
});

test.run();

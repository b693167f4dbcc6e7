/**
 * BS3LNet training steps (src/models/bs3train.ts) on an ABU-sized synthetic scene, 100×100×205:
 *   fast preset, blindspot 'mask' (whole image, fresh N2V mask, indexSelect on the GPU)
 *   fast preset, blindspot 'conv' (whole image as 2×2 pixel-shuffled sub-images, no masking)
 *   the same with background mining from step 0 (per-pixel error read back, loss weights uploaded)
 *   paper preset (a batch of 100 patches 19×19×205 with static masks: 3.6× the pixels)
 * plus whole-image scoring. Each step ends in a GPU sync (the loss is read back); the first 2
 * steps (pipeline compiles) are excluded; medians of the rest. GFLOP/s counts the convolutions'
 * multiply-adds: forward (1152·B + 184,320 MACs per pixel, docs/bs3lnet.md#cost) and a backward of
 * about twice that (dx and dWeight; the first layer needs no dx), i.e. ~3× forward per step.
 * Checked first: losses and scores finite. hsi-gpu alone (no peer implements this network).
 * Quick mode (--quick): a 48×48×205 scene, no paper step.
 */
import { createGpu } from '../src/index.ts';
import { synthScene } from '../src/data/synth.ts';
import { bs3lnetScores } from '../src/models/bs3lnet.ts';
import { trainBs3lnet, type Bs3TrainOptions } from '../src/models/bs3train.ts';
import { announce, emit, QUICK, RUNS, selected, summarize, time, type Timing } from './harness.ts';

const [ROWS, COLS, BANDS] = QUICK ? [48, 48, 205] : [100, 100, 205];
const macsPerPixel = 1152 * BANDS + 184320;
type Gpu = Awaited<ReturnType<typeof createGpu>>;
type Cube = ReturnType<typeof synthScene>['cube'];

/** Per-step times (each ends in the loss readback), the 2 compile steps excluded. */
async function stepTimes(gpu: Gpu, cube: Cube, opts: Bs3TrainOptions): Promise<Timing> {
  const stamps: number[] = [];
  const r = await trainBs3lnet(gpu, cube, { ...opts, steps: RUNS + 2, epochs: 1000, onProgress: () => stamps.push(performance.now()) });
  if (!r.losses.every(Number.isFinite)) throw new Error(`bs3lnet: losses: expected finite, got ${r.losses.join(', ')}`);
  r.model.dispose();
  return summarize(stamps.slice(2).map((t, i) => t - stamps[i + 1]));
}

const gpu = await createGpu();
announce(gpu);
const { cube } = synthScene({ rows: ROWS, cols: COLS, bands: BANDS, seed: 1 });
const cases: [string, Bs3TrainOptions, number][] = [
  [`fast mask step 1×${BANDS}×${ROWS}×${COLS}`, { preset: 'fast', blindspot: 'mask' }, ROWS * COLS],
  [`fast conv (PD 2) step 4×${BANDS}×${ROWS / 2}×${COLS / 2}`, { preset: 'fast', blindspot: 'conv' }, ROWS * COLS],
  [`fast conv (PD 2) mined step 4×${BANDS}×${ROWS / 2}×${COLS / 2}`, { preset: 'fast', blindspot: 'conv', mineFrom: 0 }, ROWS * COLS],
];
if (!QUICK) cases.push(['paper step 100×205×19×19', { preset: 'paper', blindspot: 'mask' }, 100 * 19 * 19]);
for (const [name, opts, pixels] of cases) {
  if (selected(name)) emit('bs3lnet', name, await stepTimes(gpu, cube, opts), {}, { flops: 3 * 2 * macsPerPixel * pixels });
}
const scoreName = `scores (eval forward) 1×${BANDS}×${ROWS}×${COLS}`;
if (selected(scoreName)) {
  const r = await trainBs3lnet(gpu, cube, { steps: 1 });
  const t = await time(async () => {
    const s = await bs3lnetScores(gpu, r.model, r.input);
    if (!s.every(Number.isFinite)) throw new Error('bs3lnetScores: expected finite scores');
  });
  emit('bs3lnet', scoreName, t, {}, { flops: 2 * macsPerPixel * ROWS * COLS });
  r.model.dispose();
}
gpu.destroy();

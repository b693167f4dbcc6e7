/**
 * Super-AD training steps (src/models/superadtrain.ts) at the paper's size: 1×204×100×100 with 100
 * superpixels (a 10 × 10 grid of 10 × 10 blocks, so S is exactly the paper's 100), dim 32, k 3, n 5.
 *   faithful step with an error map: forward (2.22 GMAC, docs/superad.md#cost), the OBPM loss,
 *     backward and the AdamW update; the step's time includes the next step's AdaConv selection
 *   the step-0 forward path (no error map: smconv skipped, 1.58 GMAC)
 * Each step ends in a GPU sync (the loss is read back); the first 2 steps (pipeline compiles) are
 * excluded; medians of the rest. GFLOP/s counts a step as ~3× its forward multiply-adds (dx and
 * dWeight for every layer but the first's dx). The paper's time is 1000 steps in 5m50s on an RTX
 * 2080 Ti: 0.35 s per step. Checked first: losses finite. hsi-gpu alone (no peer implements it).
 * Quick mode (--quick): 48×48 with 36 superpixels.
 */
import { buildSegments, createGpu, noGrad, scope, tensor } from '../src/index.ts';
import { synthScene } from '../src/data/synth.ts';
import { SuperAd } from '../src/models/superad.ts';
import { trainSuperAd } from '../src/models/superadtrain.ts';
import { announce, emit, QUICK, RUNS, selected, summarize, time } from './harness.ts';

const [SIDE, BANDS, BLOCK] = QUICK ? [48, 204, 8] : [100, 204, 10];
// Per pixel: patch_embed 9·32·(C + 32), middle_conv and post_conv.0 2·9·32², 14 AdaConvs 9·32², the 1×1 head 32·C.
const macsPerPixel = 9 * 32 * (BANDS + 32) + 2 * 9 * 32 * 32 + 14 * 9 * 32 * 32 + 32 * BANDS;
const macsStep0 = macsPerPixel - 7 * 9 * 32 * 32;
const pixels = SIDE * SIDE;

const gpu = await createGpu();
announce(gpu);
const { cube } = synthScene({ rows: SIDE, cols: SIDE, bands: BANDS, seed: 1 });
const grid = SIDE / BLOCK;
const labels = { rows: SIDE, cols: SIDE, data: Int32Array.from({ length: pixels }, (_, p) => 1 + Math.floor(Math.floor(p / SIDE) / BLOCK) * grid + Math.floor((p % SIDE) / BLOCK)) };

const stepName = `faithful step with error map 1×${BANDS}×${SIDE}×${SIDE}, S ${grid * grid}`;
if (selected(stepName)) {
  const stamps: number[] = [];
  const r = await trainSuperAd(gpu, cube, { preset: 'paper', steps: RUNS + 3, labels, onProgress: () => stamps.push(performance.now()) });
  if (!r.losses.every(Number.isFinite)) throw new Error(`superad: losses: expected finite, got ${r.losses.join(', ')}`);
  r.dispose();
  // Step 1 has no error map yet (the cheaper path) and steps 1–2 compile pipelines: timed from step 3.
  emit('superad', stepName, summarize(stamps.slice(3).map((t, i) => t - stamps[i + 2])), {}, { flops: 3 * 2 * macsPerPixel * pixels });
}

const fwdName = `step-0 forward (no error map) 1×${BANDS}×${SIDE}×${SIDE}`;
if (selected(fwdName)) {
  const model = new SuperAd(gpu, { bands: BANDS, seed: 1 });
  const x = tensor(gpu, cube.data, [1, BANDS, SIDE, SIDE]);
  const lt = tensor(gpu, Int32Array.from(labels.data, (v) => v - 1), [SIDE, SIDE], 'i32');
  const segs = buildSegments(lt, grid * grid);
  const t = await time(() => noGrad(() => scope(async () => {
    const out = await model.forward(x, segs, null).data();
    if (!Number.isFinite(out[0])) throw new Error('SuperAd: expected a finite output');
  })));
  emit('superad', fwdName, t, {}, { flops: 2 * macsStep0 * pixels });
  for (const v of [x, lt]) v.dispose();
  segs.dispose();
  model.dispose();
}
gpu.destroy();

/**
 * conv2d throughput (GFLOP/s, f32, 2·N·O·HO·WO·C·KH·KW per pass) for forward, dInput and
 * dWeight on hyperspectral-sized layers: a 100×100 scene with 162 bands → 64 features (Urban
 * after band removal), 64 → 64 (and with dilation 2, padding 2, as in a blind-spot block), and
 * the 205-band ABU scene → 32; all 3×3, padding 1 unless said; plus the masked blind-spot conv
 * (centre tap gated off, PDBSNet's first layer) at 162 → 64, whose FLOPs count the 8 live taps.
 * The peers have no tap mask: they run the same convolution with the centre weights zeroed on
 * the host (their dWeight is then gated at check time; the gate costs them nothing here).
 * Peers in the same process: TF.js WebGPU on the same adapter and TF.js wasm (SIMD, one thread),
 * with NHWC data (their native layout). Their gradients call the registered kernels
 * (Conv2DBackpropInput / Conv2DBackpropFilter through tf.engine().runKernel); TF.js has no
 * dilated conv gradients, and wasm has no Conv2DBackpropFilter, so its dWeight is the
 * equivalent convolution of x (channels as the batch) with dy as the filter.
 * Every result is checked against float64 sums at sampled entries before timing; warm-up is
 * excluded; each iteration ends in a GPU sync. BENCH_RUNS (default 5) sets the timed runs.
 */
import { createGpu, describeGpu, noGrad, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { centreMask, conv2d, conv2dInputGrad, conv2dWeightGrad } from '../src/ops/conv2d.ts';
import { matmulVariant } from '../src/ops/matmul.ts';
import { gflops, loadPeers, QUICK, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

const SAMPLES = 48;

interface Case {
  name: string;
  c: number;
  o: number;
  hw: number;
  dil: number;
  pad: number;
  /** Centre tap gated off (blind-spot conv). */
  mask?: boolean;
}

const FULL: Case[] = [
  { name: '1×162×100×100 → 64', c: 162, o: 64, hw: 100, dil: 1, pad: 1 },
  { name: '1×64×100×100 → 64', c: 64, o: 64, hw: 100, dil: 1, pad: 1 },
  { name: '1×64×100×100 → 64, dilation 2 pad 2', c: 64, o: 64, hw: 100, dil: 2, pad: 2 },
  { name: '1×205×100×100 → 32 (ABU)', c: 205, o: 32, hw: 100, dil: 1, pad: 1 },
  { name: '1×162×100×100 → 64, blind-spot (centre-masked)', c: 162, o: 64, hw: 100, dil: 1, pad: 1, mask: true },
];
/** Quick mode: the 162 → 64 layer on a 48×48 scene. */
const CASES: Case[] = QUICK
  ? [FULL[0]].map((c) => ({ ...c, hw: 48, name: c.name.replace('100×100', '48×48') }))
  : FULL;

type Pass = 'forward' | 'dInput' | 'dWeight';
type Result = Timing & { gflops: number };
const flops = (c: Case): number => 2 * c.o * c.hw * c.hw * c.c * (c.mask ? 8 : 9);
/** 0 on the masked centre tap, else 1. */
const gate = (c: Case, ky: number, kx: number): number => (c.mask && ky === 1 && kx === 1 ? 0 : 1);

/** Host data in NCHW (x [C, S, S], dy [O, S, S]) and weight [O, C, 3, 3]. */
interface Data {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

/** Float64 value of one sampled entry of each pass (NCHW indices; stride 1, same-size output). */
function refAt(c: Case, d: Data, pass: Pass, s: number): [number, number] {
  const S = c.hw;
  const px = (ch: number, i: number, j: number): number => (i < 0 || j < 0 || i >= S || j >= S ? 0 : d.x[(ch * S + i) * S + j]);
  const pdy = (o: number, i: number, j: number): number => (i < 0 || j < 0 || i >= S || j >= S ? 0 : d.dy[(o * S + i) * S + j]);
  let acc = 0;
  if (pass === 'dWeight') {
    const idx = (s * 7919) % (c.o * c.c * 9);
    const [o, ch, ky, kx] = [Math.floor(idx / (c.c * 9)), Math.floor(idx / 9) % c.c, Math.floor(idx / 3) % 3, idx % 3];
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) acc += pdy(o, i, j) * px(ch, i - c.pad + ky * c.dil, j - c.pad + kx * c.dil);
    return [idx, gate(c, ky, kx) * acc];
  }
  const chans = pass === 'forward' ? c.o : c.c;
  const idx = (s * 104729 + 13) % (chans * S * S);
  const [ch, i, j] = [Math.floor(idx / (S * S)), Math.floor(idx / S) % S, idx % S];
  for (let k = 0; k < (pass === 'forward' ? c.c : c.o); k++) {
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        if (gate(c, ky, kx) === 0) continue;
        if (pass === 'forward') acc += d.w[((ch * c.c + k) * 3 + ky) * 3 + kx] * px(k, i - c.pad + ky * c.dil, j - c.pad + kx * c.dil);
        else acc += d.w[((k * c.c + ch) * 3 + ky) * 3 + kx] * pdy(k, i + c.pad - ky * c.dil, j + c.pad - kx * c.dil);
      }
    }
  }
  return [idx, acc];
}

/** Throws unless `got(idx)` matches the float64 value at every sampled entry. */
function check(who: string, c: Case, d: Data, pass: Pass, got: (idx: number) => number): void {
  const terms = pass === 'dWeight' ? c.hw * c.hw : 9 * Math.max(c.c, c.o);
  for (let s = 0; s < SAMPLES; s++) {
    const [idx, ref] = refAt(c, d, pass, s);
    const g = got(idx);
    if (!(Math.abs(g - ref) <= 2e-5 * Math.sqrt(terms) * (1 + Math.abs(ref)))) throw new Error(`bench ${who} ${c.name} ${pass}: entry ${idx}: expected ${ref}, got ${g}`);
  }
}

async function engine(gpu: Gpu, c: Case, d: Data): Promise<Record<Pass, Result>> {
  const S = c.hw;
  const x = tensor(gpu, d.x, [1, c.c, S, S]);
  const w = tensor(gpu, d.w, [c.o, c.c, 3, 3]);
  const dy = tensor(gpu, d.dy, [1, c.o, S, S]);
  const mask = c.mask ? centreMask(gpu, 3) : null;
  const opts = { padding: c.pad, dilation: c.dil, mask };
  const runs: Record<Pass, () => Tensor> = {
    forward: () => noGrad(() => conv2d(x, w, null, opts)),
    dInput: () => conv2dInputGrad(dy, w, x.shape, opts),
    dWeight: () => conv2dWeightGrad(x, dy, w.shape, opts),
  };
  const out = {} as Record<Pass, Result>;
  for (const pass of Object.keys(runs) as Pass[]) {
    const y0 = runs[pass]();
    const v = await y0.data();
    check(`hsi ${pass}`, c, d, pass, (i) => v[i]);
    y0.dispose();
    const t = await time(async () => {
      const y = runs[pass]();
      await gpu.sync();
      y.dispose();
    });
    out[pass] = { ...t, gflops: gflops(flops(c), t) };
  }
  for (const t of [x, w, dy, mask]) t?.dispose();
  return out;
}

/** NCHW ↔ NHWC index maps for checking the peers' results. */
const nhwc = (c: number, S: number, idx: number): number => {
  const [ch, i, j] = [Math.floor(idx / (S * S)), Math.floor(idx / S) % S, idx % S];
  return (i * S + j) * c + ch;
};

async function tfjs(backend: 'webgpu' | 'wasm', c: Case, d: Data): Promise<Partial<Record<Pass, Result>>> {
  const sync = await tfBackend(backend);
  const S = c.hw;
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(d.x, [1, c.c, S, S]), [0, 2, 3, 1]));
  const dy = tf.tidy(() => tf.transpose(tf.tensor4d(d.dy, [1, c.o, S, S]), [0, 2, 3, 1]));
  const wm = d.w.map((v, i) => v * gate(c, Math.floor(i / 3) % 3, i % 3)); // the mask, on the host
  const f = tf.tidy(() => tf.transpose(tf.tensor4d(wm, [c.o, c.c, 3, 3]), [2, 3, 1, 0])); // [KH, KW, C, O]
  const conv = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: c.dil } as const;
  const runs: Partial<Record<Pass, () => tf.Tensor>> = { forward: () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', c.dil) };
  if (c.dil === 1) {
    runs.dInput = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...conv, inputShape: [1, S, S, c.c] }) as tf.Tensor;
    // wasm has no Conv2DBackpropFilter: dW[ky, kx, c, o] = Σ x[c, i + ky − 1, j + kx − 1] · dy[o, i, j], a conv of x
    // (channels as the batch) with dy as a 100×100 filter.
    runs.dWeight = backend === 'webgpu'
      ? () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: [3, 3, c.c, c.o] }) as tf.Tensor
      : () => tf.tidy(() => tf.transpose(tf.conv2d(tf.pad(tf.transpose(x, [3, 1, 2, 0]), [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D,
        tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]));
  }
  const index: Record<Pass, (i: number) => number> = {
    forward: (i) => nhwc(c.o, S, i),
    dInput: (i) => nhwc(c.c, S, i),
    dWeight: (i) => { // [O, C, 3, 3] → [3, 3, C, O]
      const [o, ch, ky, kx] = [Math.floor(i / (c.c * 9)), Math.floor(i / 9) % c.c, Math.floor(i / 3) % 3, i % 3];
      return ((ky * 3 + kx) * c.c + ch) * c.o + o;
    },
  };
  const out: Partial<Record<Pass, Result>> = {};
  for (const pass of Object.keys(runs) as Pass[]) {
    const y0 = runs[pass]!();
    const v = await y0.data();
    const gated = (i: number): number => (pass === 'dWeight' ? gate(c, Math.floor(i / 3) % 3, i % 3) : 1);
    check(`tfjs-${backend} ${pass}`, c, d, pass, (i) => gated(i) * v[index[pass](i)]);
    y0.dispose();
    const t = await time(async () => {
      const y = runs[pass]!();
      await sync();
      y.dispose();
    });
    out[pass] = { ...t, gflops: gflops(flops(c), t) };
  }
  for (const t of [x, dy, f]) t.dispose();
  return out;
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const only = process.env.BENCH_PEERS === '0' ? [] : peers;
const rows: Record<string, unknown>[] = [];
for (const [i, c] of CASES.entries()) {
  const S = c.hw;
  const d: Data = { x: values(c.c * S * S, 3 * i + 1), w: values(c.o * c.c * 9, 3 * i + 2).map((v) => v / 10), dy: values(c.o * S * S, 3 * i + 3) };
  const row: Record<string, unknown> = { case: c.name, gflop: +(flops(c) / 1e9).toFixed(3), hsi: await engine(gpu, c, d) };
  for (const p of only) row[`tfjs ${p}`] = await tfjs(p, c, d);
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, matmul: matmulVariant(gpu), tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);

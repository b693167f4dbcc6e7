/**
 * Runtime overhead: what the engine adds per dispatch over raw WebGPU, and readback cost.
 * Peer: the same tiny kernel driven by hand-written WebGPU calls on the same device (one
 * pass, cached bind group, one submit), i.e. the floor any engine on this adapter pays.
 * Each case checks its result first, excludes warm-up, and ends every iteration in a sync.
 */
import source from '../shaders/selfcheck.wgsl';
import { createGpu, describeGpu, type Gpu } from '../src/index.ts';

const DISPATCHES = 2000;
const N = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeRuns(fn: () => Promise<void>): Promise<{ medianMs: number; minMs: number; maxMs: number }> {
  await fn(); // warm-up: pipeline JIT and pool fill
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
}

async function engineDispatches(gpu: Gpu): Promise<() => Promise<void>> {
  const k = gpu.kernel({ file: 'selfcheck.wgsl', source, entry: 'selfcheck_accumulate' });
  const x = gpu.buffer(N * 4, 'ones');
  const y = gpu.buffer(N * 4, 'sum');
  gpu.write(x, new Float32Array(N).fill(1));
  gpu.write(y, new Float32Array(N));
  for (let i = 0; i < 3; i++) k.dispatch({ x, y }, { n: N, alpha: 1 }, k.grid1d(N));
  const check = new Float32Array(await gpu.read(y));
  if (check[N - 1] !== 3) throw new Error(`bench: engine accumulate: expected 3, got ${check[N - 1]}`);
  return async () => {
    for (let i = 0; i < DISPATCHES; i++) k.dispatch({ x, y }, { n: N, alpha: 1 }, k.grid1d(N));
    await gpu.sync();
  };
}

/** The peer: raw WebGPU with everything prepared once, as a hand-tuned app would. */
async function rawDispatches(gpu: Gpu): Promise<() => Promise<void>> {
  const d = gpu.device;
  const code = source.replace(/override WG: u32 = 64;/, 'const WG: u32 = 64;');
  const pipeline = d.createComputePipeline({ layout: 'auto', compute: { module: d.createShaderModule({ code }), entryPoint: 'selfcheck_accumulate' } });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const x = d.createBuffer({ size: N * 4, usage });
  const y = d.createBuffer({ size: N * 4, usage });
  const u = d.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  d.queue.writeBuffer(x, 0, new Float32Array(N).fill(1));
  d.queue.writeBuffer(u, 0, new Uint32Array([N, new Uint32Array(new Float32Array([1]).buffer)[0], 0, 0]));
  const bg = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [
    { binding: 0, resource: { buffer: x } }, { binding: 2, resource: { buffer: y } }, { binding: 4, resource: { buffer: u } }] });
  const groups = Math.ceil(N / 64);
  return async () => {
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    for (let i = 0; i < DISPATCHES; i++) {
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(groups);
    }
    pass.end();
    d.queue.submit([enc.finish()]);
    await d.queue.onSubmittedWorkDone();
  };
}

async function readback(gpu: Gpu, bytes: number): Promise<() => Promise<void>> {
  const b = gpu.buffer(bytes, 'readback');
  gpu.write(b, new Float32Array(bytes / 4).fill(2));
  const first = new Float32Array(await gpu.read(b));
  if (first[bytes / 4 - 1] !== 2) throw new Error('bench: readback: wrong data');
  return async () => void (await gpu.read(b));
}

const gpu = await createGpu();
const rows: Record<string, unknown>[] = [];
const engine = await timeRuns(await engineDispatches(gpu));
const raw = await timeRuns(await rawDispatches(gpu));
rows.push({ case: `${DISPATCHES} accumulate dispatches (n=${N}) + sync`, engine, rawWebGPU: raw,
  engineUsPerDispatch: (engine.medianMs * 1000) / DISPATCHES, rawUsPerDispatch: (raw.medianMs * 1000) / DISPATCHES,
  ratio: engine.medianMs / raw.medianMs });
for (const bytes of [4096, 4 * 2 ** 20]) {
  const t = await timeRuns(await readback(gpu, bytes));
  rows.push({ case: `readback ${bytes} bytes`, engine: t, GBps: bytes / (t.medianMs * 1e6) });
}
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);

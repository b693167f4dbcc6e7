/**
 * The adapter's ceilings, for each kernel's "fraction of the ceiling" in the summary:
 * - Multiply-add throughput: every invocation runs ITERS rounds of 8 independent vec4
 *   x·m + m chains in registers (no memory traffic but one store), 2 FLOPs per lane per step.
 *   Written as mul + add, not fma(): llvmpipe's fma() measured 13 GFLOP/s against 20 for
 *   mul + add (it must round once, which the CPU path pays for); kernels use mul + add too.
 * - Copy bandwidth: a vec4<f32> storage-to-storage copy of a large buffer (bytes read + written).
 * Raw WebGPU on the engine's device (no engine overhead), prepared once; each iteration is one
 * submit and a queue wait. Results are checked before timing. No peer: these are the roofs.
 * scripts/bench.mjs divides each case's GFLOP/s by the FMA ceiling and GB/s by the copy ceiling.
 */
import { createGpu, type Gpu } from '../src/index.ts';
import { announce, emit, QUICK, time } from './harness.ts';

const WG = 64;
const ITERS = 1024;
const FMA_GROUPS = QUICK ? 512 : 1024;
/** vec4 elements per copied buffer: 16 or 64 MiB, far beyond the CPU caches lavapipe runs on. */
const COPY_VEC4 = ((QUICK ? 16 : 64) << 20) / 16;

const FMA_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn fma_probe(@builtin(global_invocation_id) gid: vec3<u32>) {
  // Values stay near 1 (x ← x·0.5 + 0.5 converges to 1): no denormals, no overflow.
  let s = f32(gid.x & 7u) * 0.001;
  var a0 = vec4<f32>(s); var a1 = a0 + 0.1; var a2 = a0 + 0.2; var a3 = a0 + 0.3;
  var a4 = a0 + 0.4; var a5 = a0 + 0.5; var a6 = a0 + 0.6; var a7 = a0 + 0.7;
  let m = vec4<f32>(0.5);
  for (var i = 0u; i < ${ITERS}u; i++) {
    a0 = a0 * m + m; a1 = a1 * m + m; a2 = a2 * m + m; a3 = a3 * m + m;
    a4 = a4 * m + m; a5 = a5 * m + m; a6 = a6 * m + m; a7 = a7 * m + m;
  }
  out[gid.x] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}`;

const COPY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn copy_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i < arrayLength(&src)) { dst[i] = src[i]; }
}`;

/** A prepared one-dispatch submit on `gpu.device`, returning its run and its output buffer. */
function probe(gpu: Gpu, code: string, entry: string, buffers: GPUBuffer[], groups: [number, number]): () => Promise<void> {
  const d = gpu.device;
  const pipeline = d.createComputePipeline({ layout: 'auto', compute: { module: d.createShaderModule({ code }), entryPoint: entry } });
  const bg = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  return async () => {
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(...groups);
    pass.end();
    d.queue.submit([enc.finish()]);
    await d.queue.onSubmittedWorkDone();
  };
}

async function readBack(gpu: Gpu, b: GPUBuffer, bytes: number): Promise<Float32Array> {
  const d = gpu.device;
  const staging = d.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = d.createCommandEncoder();
  enc.copyBufferToBuffer(b, 0, staging, 0, bytes);
  d.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const v = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return v;
}

/** Storage usage flags (a function: the GPU globals exist only once the platform has loaded). */
const usage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

async function fmaCeiling(gpu: Gpu): Promise<void> {
  const n = FMA_GROUPS * WG;
  const out = gpu.device.createBuffer({ size: n * 16, usage: usage() });
  const run = probe(gpu, FMA_WGSL, 'fma_probe', [out], [FMA_GROUPS, 1]);
  await run();
  const v = await readBack(gpu, out, 16);
  // 8 chains each converge towards 1 from below: the sum lies in (7, 8].
  if (!(v[0] > 7 && v[0] <= 8)) throw new Error(`bench ceiling FMA: expected a value in (7, 8], got ${v[0]}`);
  const t = await time(run);
  emit('ceiling', 'FMA throughput (vec4 multiply-add chains)', t, {}, { flops: n * ITERS * 8 * 4 * 2 });
  out.destroy();
}

async function copyCeiling(gpu: Gpu): Promise<void> {
  const n = COPY_VEC4;
  const src = gpu.device.createBuffer({ size: n * 16, usage: usage() });
  const dst = gpu.device.createBuffer({ size: n * 16, usage: usage() });
  const data = Float32Array.from({ length: n * 4 }, (_, i) => i % 1021);
  gpu.device.queue.writeBuffer(src, 0, data);
  const groups = Math.ceil(n / WG);
  const x = Math.min(groups, 65535);
  const run = probe(gpu, COPY_WGSL, 'copy_probe', [src, dst], [x, Math.ceil(groups / x)]);
  await run();
  const v = await readBack(gpu, dst, n * 16);
  for (let i = 0; i < v.length; i += 997) if (v[i] !== data[i]) throw new Error(`bench ceiling copy: entry ${i}: expected ${data[i]}, got ${v[i]}`);
  const t = await time(run);
  emit('ceiling', `copy bandwidth (${(n * 16) >> 20} MiB, read + write)`, t, {}, { bytes: 2 * n * 16 });
  src.destroy();
  dst.destroy();
}

const gpu = await createGpu();
announce(gpu);
await fmaCeiling(gpu);
await copyCeiling(gpu);
gpu.destroy();
process.exit(0);

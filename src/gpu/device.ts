/**
 * The engine's GPU: adapter and device acquisition, limits, device loss, and the object that
 * ties the buffer pool, the command recorder and the kernel cache together.
 *
 * Failures are explicit: no adapter (what to install), a limit below need (which, how much),
 * a lost device (every later call throws DeviceLostError instead of hanging). There is no
 * CPU fallback.
 */
import { platform as hostPlatform } from '#platform';
import type { Platform } from '../platform/types.ts';
import { BIND_GROUP_CAPACITY, BindGroupCache } from './bindgroups.ts';
import { debugLog } from './debug.ts';
import { DeviceLostError, GpuLimitError, GpuUnavailableError, GpuUsageError } from './errors.ts';
import { compileError, Kernel, type KernelSpec, type ShaderModuleRecord } from './kernel.ts';
import { BufferPool, type DeviceBuffer, type PoolStats } from './pool.ts';
import { Recorder } from './recorder.ts';
import { reflectModule } from './reflect.ts';
import { adapterKey, Tuning, type TuningTable } from './tuning.ts';

/** Optional features the engine uses when the adapter has them. */
export const OPTIONAL_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

/** Limits raised to the adapter's maximum at device creation. */
const RAISED_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX'] as const;

export interface GpuOptions {
  /** Host to use (defaults to the bundle's own: Dawn in Node, navigator.gpu in browsers). */
  platform?: Platform;
  /** Minimum limits the caller needs, checked against the adapter: a shortfall throws GpuLimitError. */
  requiredLimits?: Partial<Record<keyof GPUSupportedLimits, number>>;
  /** Idle bytes the buffer pool may keep for reuse (default 256 MiB). */
  maxPooledBytes?: number;
  /** A kernel tuning table saved by `hsi tune` on this adapter (tuning.ts); refused from another. */
  tuning?: TuningTable;
}

/** Opens the adapter and device. Throws GpuUnavailableError with install advice when there is none. */
export async function createGpu(options: GpuOptions = {}): Promise<Gpu> {
  const platform = options.platform ?? hostPlatform;
  const entry = platform.gpu();
  if (!entry) throw new GpuUnavailableError('createGpu', `no WebGPU on this ${platform.name} host.\n${platform.installHelp}`);
  const adapter = await entry.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new GpuUnavailableError('createGpu', `WebGPU found no adapter.\n${platform.installHelp}`);
  for (const [name, need] of Object.entries(options.requiredLimits ?? {})) {
    const have = (adapter.limits as unknown as Record<string, number>)[name];
    if (have === undefined) throw new GpuUsageError('createGpu', `requiredLimits.${name}: expected a WebGPU limit name, got an unknown one`);
    if (need !== undefined && have < need) throw new GpuLimitError('createGpu', name, have, need, 'this adapter is too small for the request');
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ label: 'hsi-gpu', requiredLimits, requiredFeatures });
  debugLog(3, () => `adapter ${JSON.stringify(adapterSummary(adapter.info))}, features ${requiredFeatures.join(',')}`);
  const gpu = new Gpu(platform, adapter, device, options.maxPooledBytes ?? 256 * 2 ** 20);
  if (options.tuning) {
    try {
      gpu.tuning.load(options.tuning);
    } catch (e) {
      gpu.destroy();
      throw e;
    }
  }
  return gpu;
}

function adapterSummary(info: GPUAdapterInfo): Record<string, unknown> {
  const i = info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean };
  return {
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    isFallbackAdapter: i.isFallbackAdapter, subgroupMinSize: i.subgroupMinSize, subgroupMaxSize: i.subgroupMaxSize,
  };
}

/** Counters beside the pool's: dispatches, submits, bind groups (created, reused, cached now), kernels. */
export interface GpuCounts {
  dispatches: number;
  submits: number;
  batchesChecked: number;
  bindGroupsCreated: number;
  bindGroupsReused: number;
  /** Groups dropped from the cache, least recently used first. */
  bindGroupsEvicted: number;
  /** Full garbage collections run to free evicted groups (Node only). */
  garbageCollections: number;
  bindGroups: number;
  kernels: number;
}

export class Gpu {
  readonly limits: GPUSupportedLimits;
  readonly features: ReadonlySet<string>;
  readonly recorder: Recorder;
  readonly pool: BufferPool;
  readonly bindGroups: BindGroupCache;
  /** Measured kernel choices for this adapter (empty until tuneMatmul / tuneConv2d run or a table is loaded). */
  readonly tuning: Tuning;
  /** Resolves with the loss info when the device is lost. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private lostError: Promise<never>;
  private modules = new Map<string, ShaderModuleRecord>();
  private kernels = new Map<string, Kernel>();
  private unchecked = new Set<Promise<void>>();
  private uncaptured: GPUError[] = [];

  constructor(readonly platform: Platform, readonly adapter: GPUAdapter, readonly device: GPUDevice, maxPooledBytes: number) {
    this.limits = device.limits;
    this.features = new Set(device.features);
    this.tuning = new Tuning(adapterKey(adapter.info));
    this.lost = device.lost.then((info) => (this.lostInfo = info));
    this.lostError = this.lost.then((info) => { throw new DeviceLostError('gpu', info.reason, info.message); });
    this.lostError.catch(() => {}); // observed through raceLost; never an unhandled rejection
    // A backstop: every call is inside an error scope, so this should stay empty.
    device.addEventListener('uncapturederror', (e) => this.uncaptured.push((e as GPUUncapturedErrorEvent).error));
    this.recorder = new Recorder(this, this.limits);
    this.bindGroups = new BindGroupCache(BIND_GROUP_CAPACITY, platform.collectGarbage);
    this.pool = new BufferPool({
      device, limits: this.limits,
      assertAlive: (op) => this.assertAlive(op),
      guard: () => this.recorder.guard(),
      afterSubmit: (fn) => this.recorder.afterSubmit(fn),
    }, maxPooledBytes);
  }

  /** Adapter description for `hsi info` and DEBUG output. */
  get info(): Record<string, unknown> {
    return adapterSummary(this.adapter.info);
  }

  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  /** Throws DeviceLostError when the device is gone. Every engine entry point calls this first. */
  assertAlive(op: string): void {
    if (this.lostInfo) throw new DeviceLostError(op, this.lostInfo.reason, this.lostInfo.message);
  }

  /** Awaits `p`, or throws DeviceLostError if the device is lost first (no hang). */
  async raceLost<T>(op: string, p: Promise<T>): Promise<T> {
    this.assertAlive(op);
    try {
      return await Promise.race([p, this.lostError]);
    } catch (e) {
      if (this.lostInfo) throw new DeviceLostError(op, this.lostInfo.reason, this.lostInfo.message);
      throw e;
    }
  }

  /** A kernel, compiled on first use and cached by (file, entry, overrides). */
  kernel(spec: KernelSpec): Kernel {
    const key = `${spec.file}\0${spec.entry}\0${JSON.stringify(Object.entries(spec.overrides ?? {}).sort())}`;
    let k = this.kernels.get(key);
    if (!k) {
      this.assertAlive(`kernel ${spec.file}:${spec.entry}`);
      k = new Kernel(this, this.shaderModule(spec.file, spec.source), spec);
      this.kernels.set(key, k);
      debugLog(1, () => `pipeline ${k!.label} created (${this.kernels.size} cached)`);
    }
    return k;
  }

  /** Like kernel(), but waits for the WGSL to compile and throws KernelCompileError at once. */
  async compile(spec: KernelSpec): Promise<Kernel> {
    const k = this.kernel(spec);
    try {
      await this.raceLost(`kernel ${k.label}`, k.ready());
    } finally {
      this.unchecked.delete(k.module.checked); // reported here, not again at the next sync
    }
    return k;
  }

  /** A pooled storage buffer of `bytes` bytes; contents undefined until written. */
  buffer(bytes: number, label?: string): DeviceBuffer {
    return this.pool.acquire(bytes, label);
  }

  /** Returns a buffer to the pool. */
  release(buf: DeviceBuffer): void {
    this.pool.release(buf);
  }

  /** Writes host data into a buffer, after the commands recorded before it (order is kept). */
  write(buf: DeviceBuffer, data: ArrayBufferView, byteOffset = 0): void {
    const op = `write(${buf.label})`;
    this.assertAlive(op);
    if (buf.released) throw new GpuUsageError(op, 'buffer: expected a live buffer, got one already released');
    if (byteOffset + data.byteLength > buf.capacity || byteOffset % 4 !== 0 || data.byteLength % 4 !== 0) {
      throw new GpuUsageError(op, `range: expected 4-byte aligned bytes within ${buf.capacity}, got ${data.byteLength} at ${byteOffset}`);
    }
    // queue.writeBuffer runs before unsubmitted commands, so submit those first.
    if (this.recorder.pending) this.recorder.submit();
    this.recorder.guard();
    this.device.queue.writeBuffer(buf.buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Reads `bytes` (default: the buffer's size) back to the host. A sync point. */
  async read(buf: DeviceBuffer, bytes = buf.bytes, byteOffset = 0): Promise<ArrayBuffer> {
    const op = `read(${buf.label})`;
    this.assertAlive(op);
    if (buf.released) throw new GpuUsageError(op, 'buffer: expected a live buffer, got one already released');
    if (byteOffset + bytes > buf.capacity || byteOffset % 4 !== 0) throw new GpuUsageError(op, `range: expected 4-byte aligned bytes within ${buf.capacity}, got ${bytes} at ${byteOffset}`);
    if (bytes === 0) return new ArrayBuffer(0);
    await this.checkCompiled(op);
    const out = await this.recorder.read(op, buf.buffer, byteOffset, bytes);
    this.throwUncaptured(op);
    return out;
  }

  /** Submits recorded work, waits for the GPU to finish it, and throws any error it caused. */
  async sync(): Promise<void> {
    const t0 = performance.now();
    await this.checkCompiled('sync');
    await this.recorder.check('sync');
    await this.raceLost('sync', this.device.queue.onSubmittedWorkDone());
    this.throwUncaptured('sync');
    debugLog(1, () => `sync: waited ${(performance.now() - t0).toFixed(2)} ms; ${JSON.stringify(this.stats())}`);
  }

  /** Buffer-pool counters (live and pooled bytes, allocations). */
  stats(): PoolStats & GpuCounts {
    return { ...this.pool.stats(), ...this.recorder.counts, ...this.bindGroups.counts, bindGroups: this.bindGroups.size, kernels: this.kernels.size };
  }

  /** Destroys the device; later calls throw DeviceLostError. */
  destroy(): void {
    this.device.destroy();
  }

  private shaderModule(file: string, source: string): ShaderModuleRecord {
    const known = this.modules.get(file);
    if (known) {
      if (known.source !== source) throw new GpuUsageError(`shader ${file}`, 'source: expected the text already compiled under this file name, got different text');
      return known;
    }
    debugLog(2, () => `compiling ${file}:\n${source}`);
    this.recorder.guard();
    const module = this.device.createShaderModule({ label: file, code: source });
    const checked = module.getCompilationInfo().then((info) => {
      const err = compileError(`shader ${file}`, file, source, info);
      if (err) throw err;
    });
    const record: ShaderModuleRecord = { file, source, module, checked, layout: reflectModule(file, source) };
    this.modules.set(file, record);
    this.unchecked.add(checked);
    // Reported by checkCompiled() or Kernel.ready(), and by every later dispatch.
    checked.catch((e: Error) => (record.error = e));
    return record;
  }

  /** Compile errors outrank the validation errors they cause, so they are reported first. */
  private async checkCompiled(op: string): Promise<void> {
    for (const p of [...this.unchecked]) {
      try {
        await this.raceLost(op, p);
      } catch (e) {
        // Drop the batch that used the broken module, so the next one starts clean.
        this.recorder.submit();
        await this.recorder.check(op).catch(() => {});
        throw e;
      } finally {
        this.unchecked.delete(p);
      }
    }
  }

  private throwUncaptured(op: string): void {
    const e = this.uncaptured.shift();
    if (e) throw new GpuUsageError(op, `uncaptured WebGPU error: ${e.message}`);
  }
}

/**
 * Kernels: a WGSL entry point with its override constants, compiled once and cached by
 * (file, entry, overrides). Bind-group layouts come from reflection; the Params uniform
 * is packed by name into the recorder's uniform ring and bound with a dynamic offset.
 */
import { GpuLimitError, GpuUsageError, KernelCompileError } from './errors.ts';
import type { BindGroupCache } from './bindgroups.ts';
import type { DeviceBuffer } from './pool.ts';
import { roundUp4, type Recorder } from './recorder.ts';
import { packParams, type BindingInfo, type EntryLayout, type ModuleLayout } from './reflect.ts';

/** Identifies a kernel: a shader file (name and source) and an entry point. */
export interface KernelSpec {
  /** File name under shaders/, e.g. `selfcheck.wgsl`; names the kernel in every error. */
  file: string;
  /** The WGSL text (imported from the file, so Node and browsers run the same bytes). */
  source: string;
  entry: string;
  /** Values for `override` constants (tile and workgroup sizes). */
  overrides?: Record<string, number>;
}

/** A compiled shader file shared by its kernels. */
export interface ShaderModuleRecord {
  file: string;
  source: string;
  module: GPUShaderModule;
  layout: ModuleLayout;
  /** Resolves when Tint accepted the file; rejects with KernelCompileError. */
  checked: Promise<void>;
  /** Set once Tint rejected the file: every later use of its kernels throws it. */
  error?: Error;
}

/** What a kernel needs from the device layer. */
export interface KernelHost {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly recorder: Recorder;
  /** The device's bind groups, shared by its kernels under one bound. */
  readonly bindGroups: BindGroupCache;
  assertAlive(op: string): void;
}

export type Grid = readonly [number, number?, number?];
export type ParamValues = Record<string, number | ArrayLike<number>>;

let nextBufferId = 1;
let nextKernelId = 1;
const bufferIds = new WeakMap<GPUBuffer, number>();

function bufferId(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) bufferIds.set(b, (id = nextBufferId++));
  return id;
}

export class Kernel {
  readonly label: string;
  readonly workgroupSize: [number, number, number];
  readonly layout: EntryLayout;
  private pipeline: GPUComputePipeline;
  private groupLayouts: GPUBindGroupLayout[];
  /** Prefixes this kernel's keys in the device's bind-group cache. */
  private readonly id = nextKernelId++;
  // Derived once: dispatch() is the hot path (~10 µs of JS per call on this machine).
  private storage: BindingInfo[];
  private uniformGroup: number;
  private overrides: Record<string, number>;

  constructor(private host: KernelHost, readonly module: ShaderModuleRecord, spec: KernelSpec) {
    const overrides = spec.overrides ?? {};
    this.overrides = overrides;
    const suffix = Object.keys(overrides).sort().map((k) => `${k}=${overrides[k]}`).join(',');
    this.label = `${spec.file}:${spec.entry}${suffix ? `[${suffix}]` : ''}`;
    const layout = module.layout.entries.get(spec.entry);
    if (!layout) {
      const names = [...module.layout.entries.keys()].join(', ') || 'none';
      throw new GpuUsageError(`kernel ${this.label}`, `entry point: expected one of ${names}, got ${spec.entry}`);
    }
    for (const k of Object.keys(overrides)) {
      if (!module.layout.overrides.has(k)) throw new GpuUsageError(`kernel ${this.label}`, `override ${k}: expected one of [${[...module.layout.overrides].join(', ')}], got an unknown name`);
    }
    this.layout = layout;
    this.storage = layout.bindings.filter((b) => b.kind !== 'uniform');
    this.uniformGroup = layout.bindings.find((b) => b.kind === 'uniform')?.group ?? -1;
    this.workgroupSize = resolveWorkgroupSize(layout, overrides);
    host.recorder.guard();
    this.groupLayouts = this.createGroupLayouts();
    this.pipeline = host.device.createComputePipeline({
      label: this.label,
      layout: host.device.createPipelineLayout({ label: this.label, bindGroupLayouts: this.groupLayouts }),
      compute: { module: module.module, entryPoint: spec.entry, constants: overrides },
    });
  }

  /** The value of an override constant in this pipeline (given, or the WGSL default). */
  constant(name: string): number {
    const v = this.overrides[name] ?? this.module.layout.overrideDefaults.get(name);
    if (v === undefined) throw new GpuUsageError(`kernel ${this.label}`, `override ${name}: expected a constant with a value, got none`);
    return v;
  }

  /** Resolves once the WGSL compiled; rejects with a KernelCompileError naming file:line:col. */
  ready(): Promise<void> {
    return this.module.checked;
  }

  /** Workgroup counts for `n` invocations along x, folded into y beyond the per-dimension limit. */
  grid1d(n: number): [number, number, number] {
    const groups = Math.max(1, Math.ceil(n / this.workgroupSize[0]));
    const max = this.host.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= max) return [groups, 1, 1];
    const y = Math.ceil(groups / max);
    if (y > max) throw new GpuLimitError(`kernel ${this.label}`, 'maxComputeWorkgroupsPerDimension²', max * max, groups);
    return [Math.ceil(groups / y), y, 1];
  }

  /** Records one dispatch. Buffers are bound by WGSL variable name; params by Params member name. */
  dispatch(buffers: Record<string, DeviceBuffer>, params: ParamValues, grid: Grid): void {
    const op = `kernel ${this.label}`;
    this.host.assertAlive(op);
    if (this.module.error) throw this.module.error;
    const [x, y = 1, z = 1] = grid;
    const max = this.host.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (!Number.isInteger(n) || n < 0) throw new GpuUsageError(op, `grid: expected non-negative integers, got [${grid.join(', ')}]`);
      if (n > max) throw new GpuLimitError(op, 'maxComputeWorkgroupsPerDimension', max, n, 'use grid1d() to fold large grids');
    }
    const rec = this.host.recorder;
    const p = this.layout.params;
    let offsets: number[] = [];
    if (p) {
      const slot = rec.uniform(p.size);
      packParams(op, p, params, slot.view);
      offsets = [slot.offset];
    } else if (Object.keys(params).length > 0) {
      throw new GpuUsageError(op, `params: expected none (the entry point has no uniform), got ${Object.keys(params).join(', ')}`);
    }
    const groups = this.bindGroupsFor(op, buffers);
    const pass = rec.computePass(this.label);
    pass.setPipeline(this.pipeline);
    // Only the uniform's group takes the dynamic offset (see createGroupLayouts).
    groups.forEach((g, i) => pass.setBindGroup(i, g, i === this.uniformGroup ? offsets : []));
    if (x * y * z > 0) pass.dispatchWorkgroups(x, y, z);
  }

  private createGroupLayouts(): GPUBindGroupLayout[] {
    const groups = Math.max(0, ...this.layout.bindings.map((b) => b.group + 1));
    const out: GPUBindGroupLayout[] = [];
    for (let g = 0; g < groups; g++) {
      const entries = this.layout.bindings.filter((b) => b.group === g).map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: b.kind === 'uniform'
          ? { type: 'uniform' as const, hasDynamicOffset: true, minBindingSize: this.layout.params?.size ?? 0 }
          : { type: b.kind },
      }));
      out.push(this.host.device.createBindGroupLayout({ label: `${this.label} group ${g}`, entries }));
    }
    return out;
  }

  private bindGroupsFor(op: string, buffers: Record<string, DeviceBuffer>): GPUBindGroup[] {
    const storage = this.storage;
    for (const name in buffers) {
      if (!storage.some((b) => b.name === name)) throw new GpuUsageError(op, `buffer ${name}: expected one of ${storage.map((b) => b.name).join(', ')}, got an unknown name`);
    }
    const key = `${this.id}#${storage.map((b) => this.checkBinding(op, b, buffers)).join('|')}`;
    // Keys of destroyed buffers are never seen again and age out of the cache.
    return this.host.bindGroups.get(key, () => this.createBindGroups(buffers));
  }

  private checkBinding(op: string, b: BindingInfo, buffers: Record<string, DeviceBuffer>): string {
    const buf = buffers[b.name];
    if (!buf) throw new GpuUsageError(op, `buffer ${b.name}: expected a DeviceBuffer, got none`);
    if (buf.released) throw new GpuUsageError(op, `buffer ${b.name}: expected a live buffer, got one already released (${buf.label})`);
    const size = bindingSize(buf);
    const max = this.host.limits.maxStorageBufferBindingSize;
    if (size > max) throw new GpuLimitError(op, 'maxStorageBufferBindingSize', max, size, `binding ${b.name} is too large for this adapter: process the scene in tiles`);
    if (b.kind === 'storage') {
      for (const other of this.layout.bindings) {
        if (other !== b && other.kind !== 'uniform' && buffers[other.name]?.buffer === buf.buffer) {
          throw new GpuUsageError(op, `buffer ${b.name}: expected a buffer not also bound as ${other.name} (a written binding cannot alias another), got the same buffer`);
        }
      }
    }
    return `${bufferId(buf.buffer)}:${size}`;
  }

  private createBindGroups(buffers: Record<string, DeviceBuffer>): GPUBindGroup[] {
    const rec = this.host.recorder;
    rec.guard();
    return this.groupLayouts.map((layout, g) => this.host.device.createBindGroup({
      label: this.label,
      layout,
      entries: this.layout.bindings.filter((b) => b.group === g).map((b) => ({
        binding: b.binding,
        resource: b.kind === 'uniform'
          ? { buffer: rec.uniformBuffer, offset: 0, size: this.layout.params!.size }
          : { buffer: buffers[b.name].buffer, offset: 0, size: bindingSize(buffers[b.name]) },
      })),
    }));
  }
}

/** Bytes bound for a buffer: what was asked for, rounded to 4, never zero (WebGPU rejects it). */
function bindingSize(buf: DeviceBuffer): number {
  return Math.max(4, roundUp4(buf.bytes));
}

function resolveWorkgroupSize(layout: EntryLayout, overrides: Record<string, number>): [number, number, number] {
  const out = [...layout.defaultWorkgroupSize] as [number, number, number];
  layout.workgroupSize.forEach((v, i) => {
    if (typeof v === 'string' && overrides[v] !== undefined) out[i] = overrides[v];
  });
  return out;
}

/** Builds a KernelCompileError from Tint's messages, or returns null when there are none. */
export function compileError(op: string, file: string, source: string, info: GPUCompilationInfo): KernelCompileError | null {
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length === 0) return null;
  const messages = errors.map((m) => ({ file, line: m.lineNum, column: m.linePos, type: m.type, message: m.message }));
  return new KernelCompileError(op, messages, source);
}

/**
 * Command recording. Dispatches go into one command encoder and one compute pass and are
 * submitted together at a sync point (readback, `sync()`, a host write, a full uniform ring),
 * never one submit per op (docs/engine.md#performance: ~9 µs per dispatch in a pass vs ~26 µs alone).
 *
 * Error capture: the first GPU call after a submit opens validation, out-of-memory and
 * internal error scopes; the submit pops them. Their results are awaited at the next sync
 * and rethrown naming the kernels recorded in that batch, because WebGPU reports errors
 * asynchronously and an invalid encoder only fails when it is finished.
 */
import { GpuOutOfMemoryError, GpuValidationError, type GpuError } from './errors.ts';

/** What the recorder needs from the device layer. */
export interface RecorderHost {
  readonly device: GPUDevice;
  assertAlive(op: string): void;
  raceLost<T>(op: string, p: Promise<T>): Promise<T>;
}

interface Batch {
  labels: string[];
  scopes: Promise<(GPUError | null)[]>;
}

// Uniform data for one batch; a batch that outgrows it is submitted early.
const RING_BYTES = 1 << 18;

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private scoped = false;
  private labels = new Set<string>();
  private done: (() => void)[] = [];
  private batches: Batch[] = [];
  private ring: GPUBuffer;
  private ringHost = new Uint8Array(RING_BYTES);
  private ringUsed = 0;
  private readonly align: number;
  private staging = new Map<number, GPUBuffer[]>();
  /** Counters for tests and DEBUG output. */
  readonly counts = { dispatches: 0, submits: 0, batchesChecked: 0 };

  constructor(private host: RecorderHost, limits: GPUSupportedLimits) {
    this.align = Math.max(16, limits.minUniformBufferOffsetAlignment);
    this.guard();
    this.ring = host.device.createBuffer({
      label: 'hsi uniform ring',
      size: RING_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** The uniform ring buffer that kernels bind with a dynamic offset. */
  get uniformBuffer(): GPUBuffer {
    return this.ring;
  }

  /** Opens the batch's error scopes; call before any GPU call that can fail validation. */
  guard(): void {
    if (this.scoped) return;
    const d = this.host.device;
    d.pushErrorScope('internal');
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    this.scoped = true;
  }

  /** Reserves `bytes` of uniform data; returns its offset in the ring and a view to fill. */
  uniform(bytes: number): { offset: number; view: DataView } {
    let offset = Math.ceil(this.ringUsed / this.align) * this.align;
    if (offset + bytes > RING_BYTES) {
      this.submit();
      offset = 0;
    }
    this.ringUsed = offset + bytes;
    this.ringHost.fill(0, offset, offset + bytes);
    return { offset, view: new DataView(this.ringHost.buffer, offset, bytes) };
  }

  /** The open compute pass, for recording one dispatch of kernel `label`. */
  computePass(label: string): GPUComputePassEncoder {
    this.labels.add(label);
    this.counts.dispatches++;
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass({ label: 'hsi batch' });
    return this.pass;
  }

  /** The open command encoder (outside any pass), for copies and clears. */
  commandEncoder(): GPUCommandEncoder {
    this.guard();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (!this.encoder) this.encoder = this.host.device.createCommandEncoder({ label: 'hsi batch' });
    return this.encoder;
  }

  /** Runs `fn` right after the next submit (e.g. destroying a buffer the batch may use). */
  afterSubmit(fn: () => void): void {
    this.done.push(fn);
  }

  /** Whether commands are recorded but not yet submitted. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  /** Submits everything recorded so far; errors are collected for the next `check`. */
  submit(): void {
    if (!this.scoped) return;
    const d = this.host.device;
    if (this.pass) this.pass.end();
    if (this.encoder) {
      const commands = this.encoder.finish();
      if (this.ringUsed > 0) d.queue.writeBuffer(this.ring, 0, this.ringHost, 0, this.ringUsed);
      d.queue.submit([commands]);
      this.counts.submits++;
    }
    const scopes = Promise.all([d.popErrorScope(), d.popErrorScope(), d.popErrorScope()]);
    this.batches.push({ labels: [...this.labels], scopes });
    this.encoder = null;
    this.pass = null;
    this.scoped = false;
    this.ringUsed = 0;
    this.labels.clear();
    const done = this.done;
    this.done = [];
    for (const fn of done) fn();
  }

  /** Submits, then throws the first error any submitted batch produced. */
  async check(op: string): Promise<void> {
    this.submit();
    const batches = this.batches;
    this.batches = [];
    let first: GpuError | null = null;
    for (const b of batches) {
      const errors = await this.host.raceLost(op, b.scopes);
      this.counts.batchesChecked++;
      for (const e of errors) if (e && !first) first = describe(e, b.labels);
    }
    if (first) throw first;
  }

  /** Copies `bytes` from `src` at `offset` into a fresh ArrayBuffer. */
  async read(op: string, src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
    const list = this.staging.get(size) ?? [];
    this.staging.set(size, list);
    this.guard();
    const stage = list.pop() ?? this.host.device.createBuffer({
      label: `hsi readback ${size}`,
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.commandEncoder().copyBufferToBuffer(src, offset, stage, 0, roundUp4(bytes));
    await this.check(op);
    await this.host.raceLost(op, stage.mapAsync(GPUMapMode.READ, 0, roundUp4(bytes)));
    const out = stage.getMappedRange(0, roundUp4(bytes)).slice(0, bytes);
    stage.unmap();
    // Keep a few staging buffers per size: reads recur with the same shapes.
    if (list.length < 4) list.push(stage);
    else stage.destroy();
    return out;
  }
}

export function roundUp4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** Turns a WebGPU error into ours, naming the kernel whose label the message quotes. */
function describe(e: GPUError, labels: string[]): GpuError {
  const quoted = [...e.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const kernel = quoted.find((q) => labels.includes(q));
  const op = kernel ? `kernel ${kernel}` : `batch of [${labels.join(', ') || 'no kernels'}]`;
  const message = e.message.trim();
  if (e.constructor.name === 'GPUOutOfMemoryError' || /out of memory/i.test(message)) {
    return new GpuOutOfMemoryError(op, `out of GPU memory: ${message}; release tensors or process smaller tiles`);
  }
  return new GpuValidationError(op, `WebGPU validation failed: ${message}`);
}

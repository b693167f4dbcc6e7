/**
 * Buffer pool: storage buffers bucketed by size class, released explicitly, reused, and
 * bounded. GPU memory is never left to the garbage collector (no FinalizationRegistry).
 *
 * Size classes: 256 B, then four classes per power of two (p, 1.25p, 1.5p, 1.75p), so at
 * most 25% of a buffer is slack while a tensor of a given shape always lands in the same class.
 */
import { GpuLimitError, GpuUsageError } from './errors.ts';

/** A storage buffer handed out by the pool. Its contents are undefined until written. */
export class DeviceBuffer {
  released = false;
  constructor(
    /** The WebGPU buffer; `capacity` bytes long, of which the first `bytes` are in use. */
    readonly buffer: GPUBuffer,
    readonly bytes: number,
    readonly capacity: number,
    readonly label: string,
  ) {}
}

/** Counters exposed for tests and DEBUG output. */
export interface PoolStats {
  /** Bytes (capacities) held by live, unreleased buffers. */
  liveBytes: number;
  liveBuffers: number;
  /** Bytes kept in the free lists for reuse. */
  pooledBytes: number;
  pooledBuffers: number;
  /** createBuffer calls so far. */
  allocations: number;
  /** Acquisitions served from the free lists. */
  reuses: number;
  /** Buffers destroyed (trimmed or over the pool bound). */
  destroyed: number;
  peakLiveBytes: number;
}

/** What the pool needs from the device layer. */
export interface PoolHost {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  assertAlive(op: string): void;
  /** Opens the error scopes that catch validation and out-of-memory errors. */
  guard(): void;
  /** Runs `fn` after the commands recorded so far are submitted (they may use the buffer). */
  afterSubmit(fn: () => void): void;
}

const MIN_CLASS = 256;

/** Capacity of the size class that holds `bytes`. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Every idle buffer with its capacity, oldest release first: what goes when the bound is reached. */
  private idle = new Map<GPUBuffer, number>();
  private counters: PoolStats = {
    liveBytes: 0, liveBuffers: 0, pooledBytes: 0, pooledBuffers: 0,
    allocations: 0, reuses: 0, destroyed: 0, peakLiveBytes: 0,
  };

  /** `maxPooledBytes` bounds the idle memory kept for reuse. */
  constructor(private host: PoolHost, readonly maxPooledBytes: number) {}

  /** A buffer of at least `bytes` bytes (STORAGE | COPY_SRC | COPY_DST); contents undefined. */
  acquire(bytes: number, label = 'buffer'): DeviceBuffer {
    const op = `pool.acquire(${label})`;
    this.host.assertAlive(op);
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new GpuUsageError(op, `size: expected a non-negative integer byte count, got ${bytes}`);
    }
    const capacity = sizeClass(bytes);
    const max = this.host.limits.maxBufferSize;
    if (capacity > max) {
      throw new GpuLimitError(op, 'maxBufferSize', max, capacity,
        'the data is too large for one buffer on this adapter: process the scene in tiles or fewer bands');
    }
    const list = this.free.get(capacity);
    let buffer = list?.pop();
    if (buffer) {
      this.idle.delete(buffer);
      this.counters.reuses++;
      this.counters.pooledBytes -= capacity;
      this.counters.pooledBuffers--;
    } else {
      this.host.guard();
      buffer = this.host.device.createBuffer({
        label,
        size: capacity,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      this.counters.allocations++;
    }
    const c = this.counters;
    c.liveBytes += capacity;
    c.liveBuffers++;
    c.peakLiveBytes = Math.max(c.peakLiveBytes, c.liveBytes);
    return new DeviceBuffer(buffer, bytes, capacity, label);
  }

  /**
   * Returns a buffer to the pool. Commands already recorded that use it stay valid. Over the bound,
   * the buffers idle longest are destroyed, not this one: sizes a program stopped using must not
   * keep the sizes it uses now from being reused (docs/engine.md#tensors-and-memory).
   */
  release(buf: DeviceBuffer): void {
    if (buf.released) {
      throw new GpuUsageError(`pool.release(${buf.label})`, 'buffer: expected a live buffer, got one already released');
    }
    buf.released = true;
    const c = this.counters;
    c.liveBytes -= buf.capacity;
    c.liveBuffers--;
    if (buf.capacity > this.maxPooledBytes) {
      this.destroyLater(buf.buffer);
      return;
    }
    while (c.pooledBytes + buf.capacity > this.maxPooledBytes) this.evictOldest();
    let list = this.free.get(buf.capacity);
    if (!list) this.free.set(buf.capacity, (list = []));
    list.push(buf.buffer);
    this.idle.set(buf.buffer, buf.capacity);
    c.pooledBytes += buf.capacity;
    c.pooledBuffers++;
  }

  /** Destroys every idle buffer (after pending commands are submitted). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.destroyLater(b);
    this.free.clear();
    this.idle.clear();
    this.counters.pooledBytes = 0;
    this.counters.pooledBuffers = 0;
  }

  stats(): PoolStats {
    return { ...this.counters };
  }

  private evictOldest(): void {
    const [buffer, capacity] = this.idle.entries().next().value!;
    this.idle.delete(buffer);
    // Free lists are stacks, so the oldest buffer of a class sits at the bottom of its list.
    const list = this.free.get(capacity)!;
    list.splice(list.indexOf(buffer), 1);
    this.counters.pooledBytes -= capacity;
    this.counters.pooledBuffers--;
    this.destroyLater(buffer);
  }

  private destroyLater(buffer: GPUBuffer): void {
    this.counters.destroyed++;
    // A released buffer may still be read by commands recorded but not yet submitted.
    this.host.afterSubmit(() => buffer.destroy());
  }
}

/**
 * Tensors: a shape, contiguous row-major strides, a dtype and reference-counted GPU storage.
 *
 * Views that reuse the data (reshape, detach, tensors saved for backward) share one Storage;
 * the buffer goes back to the pool when the last handle is disposed. Memory is explicit:
 * `dispose()` or `scope()`, never the garbage collector (docs/engine.md#tensors-and-memory).
 */
import type { DeviceBuffer, Gpu } from '../gpu/index.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { track } from './scope.ts';

export type DType = 'f32' | 'i32' | 'u32';
export type Shape = readonly number[];
export type TypedArrayFor<D extends DType> = D extends 'f32' ? Float32Array : D extends 'i32' ? Int32Array : Uint32Array;

/** A GPU buffer shared by the tensors that view it. */
export class Storage {
  refs = 1;
  constructor(readonly gpu: Gpu, readonly buffer: DeviceBuffer) {}

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) this.gpu.release(this.buffer);
  }
}

/** What autodiff attaches to a tensor produced by a differentiable op (see autograd/tape.ts). */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradients w.r.t. each input (null where none flows); runs with recording off. */
  backward(dy: Tensor): (Tensor | null)[];
  /** Frees what the backward rule kept; called once the rule ran or the graph is dropped. */
  free(): void;
  /** Told when the output handle is disposed: a node nothing else consumes frees itself. */
  outputDisposed(): void;
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly size: number;
  /** Set on leaves whose gradient is wanted (parameters). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(); owned by the leaf. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while its graph is alive. */
  node: GradNode | null = null;
  private disposedFlag = false;

  constructor(readonly storage: Storage, shape: Shape, readonly dtype: DType = 'f32') {
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    this.strides = Object.freeze(contiguousStrides(shape));
    track(this);
  }

  get gpu(): Gpu {
    return this.storage.gpu;
  }

  get buffer(): DeviceBuffer {
    this.assertLive('tensor');
    return this.storage.buffer;
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** True when this tensor takes part in autodiff (a leaf that wants a gradient, or an op output). */
  get tracked(): boolean {
    return this.requiresGrad || this.node !== null;
  }

  /** Reads the values back (a sync point). */
  async data(): Promise<TypedArrayFor<this['dtype']>> {
    this.assertLive('data');
    const bytes = await this.gpu.read(this.storage.buffer, this.size * 4);
    const out = this.dtype === 'f32' ? new Float32Array(bytes) : this.dtype === 'i32' ? new Int32Array(bytes) : new Uint32Array(bytes);
    return out as TypedArrayFor<this['dtype']>;
  }

  /** Reads back and nests the values like the shape (convenient for small tensors). */
  async array(): Promise<number | unknown[]> {
    const flat = Array.from(await this.data());
    const nest = (d: number, off: number): number | unknown[] =>
      d === this.rank ? flat[off] : Array.from({ length: this.shape[d] }, (_, i) => nest(d + 1, off + i * this.strides[d]));
    return nest(0, 0);
  }

  /** Frees this handle (and its gradient); the buffer returns to the pool with its last handle. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.storage.release();
    this.grad?.dispose();
    this.grad = null;
    this.node?.outputDisposed();
  }

  /** Throws naming `op` when the tensor was disposed. */
  assertLive(op: string): void {
    if (this.disposedFlag) throw new GpuUsageError(op, `tensor #${this.id} ${fmtShape(this.shape)}: expected a live tensor, got one already disposed`);
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** A new handle on the same storage with another shape of the same size (no copy). */
export function view(t: Tensor, shape: Shape): Tensor {
  t.assertLive('view');
  return new Tensor(t.storage.retain(), shape, t.dtype);
}

/** The buffers of named tensors, for a kernel that binds them by name (Kernel.dispatch). */
export function buffersOf(tensors: Readonly<Record<string, Tensor>>): Record<string, DeviceBuffer> {
  const out: Record<string, DeviceBuffer> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = t.buffer;
  return out;
}

/** A fresh, uninitialised tensor. */
export function empty(gpu: Gpu, shape: Shape, dtype: DType = 'f32', label = 'tensor'): Tensor {
  checkShape('empty', shape);
  return new Tensor(new Storage(gpu, gpu.buffer(shapeSize(shape) * 4, label)), shape, dtype);
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new GpuUsageError(op, `shape: expected non-negative integers, got ${fmtShape(shape ?? [])}`);
  }
}

/** Resolves a possibly negative axis against `rank`. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) throw new GpuUsageError(op, `axis: expected an integer in [${-rank}, ${rank - 1}], got ${axis}`);
  return a;
}

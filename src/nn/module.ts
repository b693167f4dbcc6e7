/**
 * Modules as in torch.nn: a tree of layers that owns its parameters. Children and parameters
 * are found from the module's own properties, in declaration order, so a subclass needs no
 * registration calls: `this.fc = new Linear(…)` is child `fc`, its weight `fc.weight`; an array
 * property `layers` of modules gives `layers.0`, `layers.1` (as nn.ModuleList). A tensor is a
 * parameter when made with `parameter()` (trained, saved) and a persistent buffer with
 * `persistent()` (saved, not trained: PyTorch's register_buffer); other tensor properties are
 * the module's business and are neither listed nor disposed.
 */
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { keep } from '../tensor/scope.ts';
import { empty, fmtShape, Tensor } from '../tensor/tensor.ts';
import { add } from '../ops/binary.ts';
import { matmul } from '../ops/matmul.ts';
import { relu } from '../ops/unary.ts';
import { reshape } from '../ops/shape.ts';
import type { Seed } from '../ops/random.ts';
import { fans, generatorFor, kaimingUniform_, uniform_ } from './init.ts';

const PARAMETERS = new WeakSet<Tensor>();
const PERSISTENT = new WeakSet<Tensor>();

/** Marks `t` as a parameter: requiresGrad, kept out of scopes, listed by its module. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  PARAMETERS.add(t);
  return keep(t);
}

/** Marks `t` as a persistent buffer (running statistics…): saved with the module, not trained. */
export function persistent(t: Tensor): Tensor {
  PERSISTENT.add(t);
  return keep(t);
}

/** A module whose forward maps one tensor to one (what Sequential chains). */
export interface Layer {
  forward(x: Tensor): Tensor;
}

export class Module {
  /** Training mode (dropout, batch statistics); set with train() / eval(). */
  training = true;

  /** Direct children as [name, module], in declaration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([key, v]);
      // Arrays whose first element is a module (ModuleList); other arrays are not walked.
      else if (Array.isArray(v) && v[0] instanceof Module) v.forEach((m, i) => m instanceof Module && out.push([`${key}.${i}`, m]));
    }
    return out;
  }

  /** This module ('') and every descendant, depth first, each once. */
  namedModules(prefix = '', seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(join(prefix, name), seen));
    return out;
  }

  /** Parameters with dotted names (`encoder.0.weight`), each tensor once (first name wins). */
  namedParameters(): [string, Tensor][] {
    return this.collect((t) => PARAMETERS.has(t));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Persistent buffers with dotted names. */
  namedBuffers(): [string, Tensor][] {
    return this.collect((t) => PERSISTENT.has(t));
  }

  /** Parameters then buffers, module by module: what safetensors saves and loads. */
  stateDict(): [string, Tensor][] {
    return this.collect((t) => PARAMETERS.has(t) || PERSISTENT.has(t));
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees the parameters and buffers of this module and its descendants. */
  dispose(): void {
    for (const [, t] of this.stateDict()) t.dispose();
  }

  /** Marked tensors of every module, own ones first (as PyTorch), each tensor once. */
  private collect(wanted: (t: Tensor) => boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [key, t] of m.ownTensors()) {
        if (!wanted(t) || seen.has(t)) continue;
        out.push([join(prefix, key), t]);
        seen.add(t);
      }
    }
    return out;
  }

  /** Own tensor properties (and tensors in array properties, named `key.i`). */
  private ownTensors(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, v] of Object.entries(this)) {
      if (isTensor(v)) out.push([key, v]);
      else if (Array.isArray(v) && isTensor(v[0])) v.forEach((t, i) => isTensor(t) && out.push([`${key}.${i}`, t]));
    }
    return out;
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

export interface LinearOptions {
  bias?: boolean;
  /** Seed or generator for the initial values (default: the module-wide generator, see init.ts). */
  seed?: Seed;
}

/**
 * y = x·Wᵀ + b over the last dimension: x [..., in] → y [..., out], weight [out, in], bias [out].
 * Initialised as torch.nn.Linear: kaiming_uniform(a = √5) on the weight, i.e. U(−1/√in, 1/√in),
 * and the bias from the same range.
 */
export class Linear extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(gpu: Gpu, readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new OptionError('Linear', `${name}: expected a non-negative integer, got ${v}`);
    }
    const gen = generatorFor(opts.seed);
    this.weight = parameter(kaimingUniform_(empty(gpu, [outFeatures, inFeatures], 'f32', 'Linear.weight'), { a: Math.sqrt(5) }, gen));
    this.bias = null;
    if (opts.bias ?? true) {
      const fanIn = fans(this.weight.shape).fanIn;
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      this.bias = parameter(uniform_(empty(gpu, [outFeatures], 'f32', 'Linear.bias'), -bound, bound, gen));
    }
  }

  forward(x: Tensor): Tensor {
    const op = 'Linear';
    x.assertLive(op);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new GpuUsageError(op, `input: expected shape [..., ${this.inFeatures}], got ${fmtShape(x.shape)}`);
    }
    // A vector input is a batch of one, as in PyTorch.
    const x2 = x.rank === 1 ? reshape(x, [1, this.inFeatures]) : x;
    const xw = matmul(x2, this.weight, { transposeB: true });
    const y = this.bias ? add(xw, this.bias) : xw;
    if (y !== xw) xw.dispose();
    if (x2 === x) return y;
    x2.dispose();
    const out = reshape(y, [this.outFeatures]);
    y.dispose();
    return out;
  }
}

/** Applies its children in order; children are named "0", "1", … */
export class Sequential extends Module implements Layer {
  [index: number]: Module & Layer;
  readonly length: number;

  constructor(...layers: (Module & Layer)[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module) || typeof m.forward !== 'function') throw new OptionError('Sequential', `layer ${i}: expected a Module with forward(), got ${String(m)}`);
      this[i] = m;
    });
    this.length = layers.length;
  }

  /** Chains the layers; intermediate results are disposed as soon as the next layer ran (the graph keeps what backward needs). */
  forward(x: Tensor): Tensor {
    let cur = x;
    for (let i = 0; i < this.length; i++) {
      const next = this[i].forward(cur);
      if (cur !== x && next !== cur) cur.dispose();
      cur = next;
    }
    return cur;
  }
}

/** Wraps a function of one tensor as a module (no parameters). */
export class Lambda extends Module implements Layer {
  constructor(readonly fn: (x: Tensor) => Tensor) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

/** max(x, 0) as a module. */
export class ReLU extends Module implements Layer {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

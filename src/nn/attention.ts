/**
 * Multi-head self-attention as timm 1.0.8's `vision_transformer.Attention` (Super-AD's encoder
 * and decoder blocks, docs/superad.md#network):
 *   qkv = x·Wqkvᵀ (+ b) split into q, k, v per head; optional qk-norm: LayerNorm(head_dim) on
 *   q and k; softmax(q·kᵀ · head_dim^−½)·v; heads merged; output projection (with bias).
 * Parameter names equal timm's state_dict keys (qkv, q_norm, k_norm, proj), so a timm checkpoint
 * loads by name. No dropout (timm's attn_drop and proj_drop default to 0).
 */
import type { Gpu } from '../gpu/index.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { mul } from '../ops/binary.ts';
import { matmul } from '../ops/matmul.ts';
import type { Seed } from '../ops/random.ts';
import { permute, reshape, slice } from '../ops/shape.ts';
import { softmax } from '../ops/softmax.ts';
import { generatorFor } from './init.ts';
import { Linear, Module, type Layer } from './module.ts';
import { LayerNorm } from './norm.ts';

export interface AttentionOptions {
  /** Number of heads; must divide the dimension (timm's default 8). */
  heads?: number;
  /** Bias on the qkv projection (timm's default false; Super-AD: true). */
  qkvBias?: boolean;
  /** LayerNorm over head_dim on q and k (timm's qk_norm, default false; Super-AD: true). */
  qkNorm?: boolean;
  /** eps of the qk-norm LayerNorms (nn.LayerNorm's 1e-5, what timm's Block passes). */
  eps?: number;
  /** Seed or generator of the initial weights (default: the module-wide generator). */
  seed?: Seed;
}

/** A positive integer option, or an OptionError naming the module and option. */
function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new OptionError(op, `${name}: expected a positive integer, got ${v}`);
}

/**
 * Self-attention over tokens: x [B, N, C] → [B, N, C] with `heads` heads of C / heads channels.
 * Linear layers start as torch.nn.Linear (models apply their own initialisation).
 */
export class MultiHeadAttention extends Module implements Layer {
  readonly qkv: Linear;
  // snake_case so that stateDict() names are timm's keys (attn.q_norm.weight, …).
  readonly q_norm: LayerNorm | null = null;
  readonly k_norm: LayerNorm | null = null;
  readonly proj: Linear;
  readonly heads: number;
  readonly headDim: number;
  /** head_dim^−½, applied to q before the product (as timm's unfused path). */
  readonly scale: number;

  constructor(gpu: Gpu, readonly dim: number, opts: AttentionOptions = {}) {
    super();
    const op = 'MultiHeadAttention';
    const { heads = 8, qkvBias = false, qkNorm = false, eps = 1e-5 } = opts;
    checkCount(op, 'dim', dim);
    checkCount(op, 'heads', heads);
    if (dim % heads !== 0) throw new OptionError(op, `heads: expected a divisor of dim ${dim}, got ${heads}`);
    const gen = generatorFor(opts.seed);
    this.heads = heads;
    this.headDim = dim / heads;
    this.scale = this.headDim ** -0.5;
    this.qkv = new Linear(gpu, dim, 3 * dim, { bias: qkvBias, seed: gen });
    if (qkNorm) {
      this.q_norm = new LayerNorm(gpu, this.headDim, { eps });
      this.k_norm = new LayerNorm(gpu, this.headDim, { eps });
    }
    this.proj = new Linear(gpu, dim, dim, { seed: gen });
  }

  forward(x: Tensor): Tensor {
    const op = 'MultiHeadAttention';
    x.assertLive(op);
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new GpuUsageError(op, `input: expected shape [B, N, ${this.dim}], got ${fmtShape(x.shape)}`);
    const [b, n, c] = x.shape;
    const [h, hd] = [this.heads, this.headDim];
    return scope(() => {
      // [B, N, 3C] → [3, B, H, N, hd]: one copy, then q, k, v are contiguous slices of it.
      const parts = permute(reshape(this.qkv.forward(x), [b, n, 3, h, hd]), [2, 0, 3, 1, 4]);
      const take = (i: number): Tensor => reshape(slice(parts, [[i, i + 1]]), [b, h, n, hd]);
      const q = this.q_norm ? this.q_norm.forward(take(0)) : take(0);
      const k = this.k_norm ? this.k_norm.forward(take(1)) : take(1);
      // Scaling q (N·hd values) costs less than scaling the N×N scores; timm does the same.
      const attn = softmax(matmul(mul(q, this.scale), k, { transposeB: true }), -1);
      const merged = reshape(permute(matmul(attn, take(2)), [0, 2, 1, 3]), [b, n, c]);
      return this.proj.forward(merged);
    });
  }
}

/**
 * The pre-norm transformer block of timm 1.0.8 (`vision_transformer.Block` with its `Mlp`),
 * which Super-AD's encoder and decoder use (docs/superad.md#network):
 *   x ← x + attn(norm1(x));  x ← x + mlp(norm2(x));  mlp = fc2(GELU(fc1(·))), hidden dim·mlpRatio.
 * norm1, norm2 (and the qk-norms) are nn.LayerNorm with its default eps 1e-5: timm's Block takes
 * `norm_layer=nn.LayerNorm` unless a model passes another (ViT models pass eps 1e-6, Super-AD
 * does not). No dropout, drop-path or layer-scale: timm's defaults make them identities.
 * Parameter names equal timm's state_dict keys (norm1, attn.qkv, attn.q_norm, attn.k_norm,
 * attn.proj, norm2, mlp.fc1, mlp.fc2).
 */
import type { Gpu } from '../gpu/index.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { add } from '../ops/binary.ts';
import type { Seed } from '../ops/random.ts';
import { gelu } from '../ops/unary.ts';
import { MultiHeadAttention } from './attention.ts';
import { generatorFor } from './init.ts';
import { Linear, Module, type Layer } from './module.ts';
import { LayerNorm } from './norm.ts';

export interface MlpOptions {
  /** Bias on both layers (default true, as timm's Mlp). */
  bias?: boolean;
  seed?: Seed;
}

/** timm's Mlp: fc1 (in → hidden) → exact GELU → fc2 (hidden → out), over the last axis. */
export class Mlp extends Module implements Layer {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(gpu: Gpu, inFeatures: number, hiddenFeatures: number, outFeatures = inFeatures, opts: MlpOptions = {}) {
    super();
    const gen = generatorFor(opts.seed);
    for (const [name, v] of [['inFeatures', inFeatures], ['hiddenFeatures', hiddenFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError('Mlp', `${name}: expected a positive integer, got ${v}`);
    }
    this.fc1 = new Linear(gpu, inFeatures, hiddenFeatures, { bias: opts.bias, seed: gen });
    this.fc2 = new Linear(gpu, hiddenFeatures, outFeatures, { bias: opts.bias, seed: gen });
  }

  forward(x: Tensor): Tensor {
    return scope(() => this.fc2.forward(gelu(this.fc1.forward(x))));
  }
}

export interface TransformerBlockOptions {
  /** Attention heads; must divide dim (timm's default 8; Super-AD: 1). */
  heads?: number;
  /** MLP hidden width as a multiple of dim, truncated to an integer (timm's default 4; Super-AD: 2). */
  mlpRatio?: number;
  /** Bias on the qkv projection (timm's default false; Super-AD: true). */
  qkvBias?: boolean;
  /** LayerNorm over head_dim on q and k (timm's default false; Super-AD: true). */
  qkNorm?: boolean;
  /** eps of every LayerNorm in the block (default 1e-5, nn.LayerNorm's). */
  eps?: number;
  /** Seed or generator of the initial weights (default: the module-wide generator). */
  seed?: Seed;
}

/**
 * A pre-norm transformer block over tokens: x [B, N, C] → [B, N, C]. Linear layers start as
 * torch.nn.Linear and LayerNorms as ones and zeros; models apply their own initialisation.
 */
export class TransformerBlock extends Module implements Layer {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(gpu: Gpu, readonly dim: number, opts: TransformerBlockOptions = {}) {
    super();
    const { heads = 8, mlpRatio = 4, qkvBias = false, qkNorm = false, eps = 1e-5 } = opts;
    if (!Number.isInteger(dim) || dim < 1) throw new OptionError('TransformerBlock', `dim: expected a positive integer, got ${dim}`);
    if (!(mlpRatio > 0) || !Number.isFinite(mlpRatio) || Math.trunc(dim * mlpRatio) < 1) {
      throw new OptionError('TransformerBlock', `mlpRatio: expected a positive number giving a hidden width ≥ 1, got ${mlpRatio}`);
    }
    const gen = generatorFor(opts.seed);
    this.norm1 = new LayerNorm(gpu, dim, { eps });
    this.attn = new MultiHeadAttention(gpu, dim, { heads, qkvBias, qkNorm, eps, seed: gen });
    this.norm2 = new LayerNorm(gpu, dim, { eps });
    // timm: hidden_features = int(dim * mlp_ratio).
    this.mlp = new Mlp(gpu, dim, Math.trunc(dim * mlpRatio), dim, { seed: gen });
  }

  forward(x: Tensor): Tensor {
    const op = 'TransformerBlock';
    x.assertLive(op);
    if (x.rank !== 3 || x.shape[2] !== this.dim) throw new GpuUsageError(op, `input: expected shape [B, N, ${this.dim}], got ${fmtShape(x.shape)}`);
    return scope(() => {
      const h = add(x, this.attn.forward(this.norm1.forward(x)));
      return add(h, this.mlp.forward(this.norm2.forward(h)));
    });
  }
}

/**
 * Super-AD: Y. Cui, J. Zhang, P. Liu, W. Song, Y. Zeng, "Overcoming the Identity Mapping Problem
 * in Self-Supervised Hyperspectral Anomaly Detection", IEEE TGRS 2025 (arXiv 2504.04115);
 * reference code yc-cui/Super-AD (SuperAD/network.py, SuperAD/AdaConv.py). docs/superad.md#network.
 *
 * The network as the reference code runs it (batch 1, dim D = 32, k = 3, n = 5):
 *   F = patch_embed(x): conv(C→D, 3×3, reflect) → LeakyReLU(0.1) → conv(D→D, 3×3, reflect)
 *   tokens = superpixel means of F (no positional embedding) → encoder block → norm →
 *     decoder_embed → decoder block → decoder_norm;   U = tokens gathered back to the pixels
 *   G = middle_conv(F) (on F, not on U)
 *   A = smconv(G, E): 7 AdaConv with LeakyReLU(0.1) between (skipped at step 0, E = None)
 *   P = A ⊙ U (step 0: G ⊙ U);  out = post_conv(output_block(P, E))
 *   post_conv: conv(D→D, 3×3, reflect) → LeakyReLU(0.1) → conv(D→C, 1×1); no output activation.
 * Only the first AdaConv of each 7-layer stack receives the error map (the code's AdaConv returns
 * (out, None), so its SequentialMultiInput hands None on): the other twelve are plain zero-padded
 * 3×3 convolutions, and run here as conv2d (same arithmetic, the faster kernels).
 * Blocks: timm 1.0.8's Block (1 head, MLP ratio 2, qkv bias, qk-norm), nn/transformer.ts.
 * Init (the code's _init_weights): Linear Xavier-uniform with zero bias, LayerNorm 1/0, convs and
 * AdaConvs PyTorch's default (kaiming-uniform a = √5). Parameter names are the code's state_dict
 * keys (patch_embed.0.weight, smconv.12.bias, …), so its checkpoints load by name.
 */
import type { Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { add, mul } from '../ops/binary.ts';
import { conv2d } from '../ops/conv2d.ts';
import { leakyRelu } from '../ops/unary.ts';
import { permute, slice } from '../ops/shape.ts';
import { superpixelPool, superpixelUnpool } from '../ops/superpixel.ts';
import type { Segments } from '../ops/segment.ts';
import { AdaSelection } from '../ops/adaconv.ts';
import { AdaConv } from '../nn/adaconv.ts';
import { LeakyReLU } from '../nn/activation.ts';
import { Conv2d } from '../nn/conv.ts';
import { generatorFor, xavierUniform_, zeros_ } from '../nn/init.ts';
import { Linear, Module } from '../nn/module.ts';
import { LayerNorm } from '../nn/norm.ts';
import { TransformerBlock } from '../nn/transformer.ts';

export interface SuperAdConfig {
  /** Spectral bands C (input and output channels). */
  bands: number;
  /** Embedding dimension (code: 32). */
  dim?: number;
  /** AdaConv window n (train.py: 5). */
  window?: number;
  /** AdaConv kernel k (train.py: 3). */
  kernel?: number;
  /** AdaConv layers per stack (code: 7). */
  depth?: number;
  /** Seed of the initial weights. */
  seed?: number;
}

const SLOPE = 0.1;

/**
 * The scene x as one tensor [1, C, H, W], or its bands in consecutive chunks [1, C_g, H, W] when
 * the cube is larger than one storage binding (docs/superad.md#large-scenes). Only the first and
 * the last convolution see the bands, so only they are split.
 */
export type SuperAdInput = Tensor | readonly Tensor[];

/** A 7-layer AdaConv stack with LeakyReLU between; index i·2 holds the i-th AdaConv (the code's names). */
type Stack = (AdaConv | LeakyReLU)[];

export class SuperAd extends Module {
  readonly patch_embed: (Conv2d | LeakyReLU)[];
  readonly blocks: TransformerBlock[];
  readonly norm: LayerNorm;
  readonly decoder_embed: Linear;
  readonly decoder_blocks: TransformerBlock[];
  readonly decoder_norm: LayerNorm;
  readonly middle_conv: Conv2d;
  readonly smconv: Stack;
  readonly output_block: Stack;
  readonly post_conv: (Conv2d | LeakyReLU)[];
  readonly bands: number;
  readonly window: number;
  readonly kernel: number;

  constructor(gpu: Gpu, config: SuperAdConfig) {
    super();
    const { bands, dim = 32, window = 5, kernel = 3, depth = 7, seed = 1 } = config;
    for (const [name, v] of [['bands', bands], ['dim', dim], ['depth', depth]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError('SuperAd', `${name}: expected a positive integer, got ${v}`);
    }
    if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0 || !Number.isInteger(window) || window % 2 === 0 || window * window < kernel * kernel) {
      throw new OptionError('SuperAd', `kernel, window: expected odd sizes with window² ≥ kernel², got kernel ${kernel}, window ${window}`);
    }
    this.bands = bands;
    this.window = window;
    this.kernel = kernel;
    const gen = generatorFor(seed);
    const reflect = { padding: 1, paddingMode: 'reflect' as const, seed: gen };
    this.patch_embed = [new Conv2d(gpu, bands, dim, 3, reflect), new LeakyReLU(SLOPE), new Conv2d(gpu, dim, dim, 3, reflect)];
    const block = (): TransformerBlock => new TransformerBlock(gpu, dim, { heads: 1, mlpRatio: 2, qkvBias: true, qkNorm: true, seed: gen });
    this.blocks = [block()];
    this.norm = new LayerNorm(gpu, dim);
    this.decoder_embed = new Linear(gpu, dim, dim, { seed: gen });
    this.decoder_blocks = [block()];
    this.decoder_norm = new LayerNorm(gpu, dim);
    this.middle_conv = new Conv2d(gpu, dim, dim, 3, reflect);
    const stack = (): Stack => Array.from({ length: 2 * depth - 1 }, (_, i) => (i % 2 ? new LeakyReLU(SLOPE) : new AdaConv(gpu, dim, dim, { kernelSize: kernel, windowSize: window, seed: gen })));
    this.smconv = stack();
    this.output_block = stack();
    this.post_conv = [new Conv2d(gpu, dim, dim, 3, reflect), new LeakyReLU(SLOPE), new Conv2d(gpu, dim, bands, 1, { seed: gen })];
    // _init_weights: every Linear Xavier-uniform with a zero bias (LayerNorms start at 1 and 0).
    for (const [, m] of this.namedModules()) {
      if (!(m instanceof Linear)) continue;
      xavierUniform_(m.weight, 1, gen);
      if (m.bias) zeros_(m.bias);
    }
  }

  /**
   * x̂ for x [1, C, H, W] (band chunks give x̂ in the same chunks) with superpixels `segs`
   * (0-based labels of the H × W pixels) and the previous step's error map `err` [1, 1, H, W]
   * (null at step 0: smconv is skipped and every AdaConv is a plain convolution). A selection
   * made by `select(err)` may be passed instead.
   */
  forward(x: Tensor, segs: Segments, err: Tensor | AdaSelection | null): Tensor;
  forward(x: readonly Tensor[], segs: Segments, err: Tensor | AdaSelection | null): Tensor[];
  forward(x: SuperAdInput, segs: Segments, err: Tensor | AdaSelection | null): Tensor | Tensor[];
  forward(x: SuperAdInput, segs: Segments, err: Tensor | AdaSelection | null): Tensor | Tensor[] {
    const parts = bandParts(x);
    const [h, w] = this.checkInput(parts);
    if (segs.shape[0] !== h || segs.shape[1] !== w) throw new GpuUsageError('SuperAd', `segments: expected labels of [${h}, ${w}], got ${fmtShape(segs.shape)}`);
    return scope(() => {
      const sel = err === null ? null : err instanceof AdaSelection ? err : this.select(err);
      const f = chain(this.patch_embed.slice(1), this.embed(parts));
      const u = this.tokens(f, segs);
      const g = this.middle_conv.forward(f);
      const p = mul(sel ? this.stack(this.smconv, g, sel) : g, u);
      const out = this.project(chain(this.post_conv.slice(0, 2), this.stack(this.output_block, p, sel)), parts);
      if (sel && sel !== err) sel.dispose();
      return Array.isArray(x) ? out : out[0];
    });
  }

  /** [H, W] of the input after checking that its chunks are [1, C_g, H, W] with C_g summing to C. */
  private checkInput(parts: readonly Tensor[]): [number, number] {
    const op = 'SuperAd';
    const want = `[1, ${this.bands}, H, W] or band chunks [1, C_g, H, W] with C_g summing to ${this.bands}`;
    let bands = 0;
    for (const t of parts) {
      t.assertLive(op);
      if (t.rank !== 4 || t.shape[0] !== 1 || t.shape[2] !== parts[0].shape[2] || t.shape[3] !== parts[0].shape[3]) throw new GpuUsageError(op, `input: expected ${want}, got ${parts.map((p) => fmtShape(p.shape)).join(', ')}`);
      bands += t.shape[1];
    }
    if (parts.length === 0 || bands !== this.bands) throw new GpuUsageError(op, `input: expected ${want}, got ${parts.map((p) => fmtShape(p.shape)).join(', ') || 'no chunks'}`);
    return [parts[0].shape[2], parts[0].shape[3]];
  }

  /** patch_embed's first conv (C → D); over chunks, the sum of each chunk's conv with its slice of the weight. */
  private embed(parts: readonly Tensor[]): Tensor {
    const first = this.patch_embed[0] as Conv2d;
    if (parts.length === 1) return first.forward(parts[0]);
    let off = 0;
    return parts.reduce<Tensor | null>((acc, p, i) => {
      const wg = slice(first.weight, [null, [off, off + p.shape[1]]]);
      off += p.shape[1];
      const y = conv2d(p, wg, i === 0 ? first.bias : null, { padding: 1, paddingMode: 'reflect' });
      return acc ? add(acc, y) : y;
    }, null)!;
  }

  /** post_conv's last conv (1×1, D → C), one output per input chunk with its slice of the weight and bias. */
  private project(h: Tensor, parts: readonly Tensor[]): Tensor[] {
    const last = this.post_conv[2] as Conv2d;
    if (parts.length === 1) return [last.forward(h)];
    let off = 0;
    return parts.map((p) => {
      const range = [off, off + p.shape[1]] as const;
      off += p.shape[1];
      return conv2d(h, slice(last.weight, [range]), last.bias ? slice(last.bias, [range]) : null);
    });
  }

  /** The AdaConv neighbour selection for an error map [1, 1, H, W] (shared by both stacks' first layers). */
  select(err: Tensor): AdaSelection {
    return (this.smconv[0] as AdaConv).select(err);
  }

  /** Superpixel tokens through the encoder and decoder, gathered back to the pixels: U [1, D, H, W]. */
  private tokens(f: Tensor, segs: Segments): Tensor {
    let t = permute(superpixelPool(f, segs), [0, 2, 1]);
    for (const b of this.blocks) t = b.forward(t);
    t = this.decoder_embed.forward(this.norm.forward(t));
    for (const b of this.decoder_blocks) t = b.forward(t);
    return superpixelUnpool(permute(this.decoder_norm.forward(t), [0, 2, 1]), segs);
  }

  /** The first AdaConv reads the selection (a plain conv without one); the others are zero-padded convs. */
  private stack(layers: Stack, x: Tensor, sel: AdaSelection | null): Tensor {
    let cur = x;
    layers.forEach((m, i) => {
      if (m instanceof LeakyReLU) cur = leakyRelu(cur, SLOPE);
      else if (i === 0 && sel) cur = m.forward(cur, sel);
      else cur = conv2d(cur, m.weight, m.bias, { padding: (this.kernel - 1) / 2 });
    });
    return cur;
  }
}

/** The input's band chunks (one for a whole tensor). */
export function bandParts(x: SuperAdInput): readonly Tensor[] {
  return Array.isArray(x) ? x : [x as Tensor];
}

/** Applies a conv / LeakyReLU list in order. */
function chain(layers: (Conv2d | LeakyReLU)[], x: Tensor): Tensor {
  return layers.reduce((cur, m) => m.forward(cur), x);
}

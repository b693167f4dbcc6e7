/**
 * SSCC: Y. Cai, Y. Liu, Z. Zhang, Z. Cai, X. Liu, "Large-scale Hyperspectral Image Clustering
 * Using Contrastive Learning", CDCEO workshop at CIKM 2021 (extended: arXiv 2111.07945); reference
 * code AngryCai/SSCC (modules/resnet.py, modules/network.py, modules/contrastive_loss.py,
 * train.py). docs/sscc.md#network, docs/sscc.md#losses.
 *
 * The network as the reference code runs it (`get_resnet('ResNet18', 8)` and `Network`):
 *   resnet: conv1 (C→32, 1×1, no bias) → bn1 → ReLU (no max-pool);
 *           layer1..3: 2 torchvision BasicBlocks each at 64, 128, 256 channels, all stride 1 (the
 *           first block of a layer gets the 1×1 conv + BN shortcut when the width changes);
 *           AdaptiveAvgPool(1) → flatten → h [N, 256];
 *   cluster_projector: Linear(256→512) → ReLU → Linear(512→K) → Softmax(dim 1) → c [N, K].
 * The instance projector is commented out in the code, so there is none. The two views go through
 * the network one after the other (`resnet(x_i)`, then `resnet(x_j)`): each view's BatchNorms use
 * that view's batch statistics, and the running statistics move twice per training step.
 * Init as the code: convs kaiming_normal(fan_out, relu), BN weight 1 and bias 0, the Linears
 * PyTorch's default. Parameter and buffer names are the code's state_dict keys (resnet.conv1.weight,
 * resnet.layer1.0.downsample.0.weight, cluster_projector.2.bias, …), except that BatchNorm buffers
 * are spelled runningMean, runningVar, numBatchesTracked (src/nn/norm.ts): `torchStateName` maps.
 *
 * The loss train.py optimises: 5e-5 · InstanceLoss (NT-Xent, τ 0.5, on the softmax outputs c) +
 * CrossCorrelationLoss (Barlow Twins on BatchNorm1d(K, affine=False)(c), λ 0.005): `ssccLoss`.
 */
import type { Gpu } from '../gpu/index.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { add, mul } from '../ops/binary.ts';
import { barlowTwins, clusterContrastive, ntXent } from '../ops/contrastive.ts';
import { adaptiveAvgPool2d } from '../ops/pool.ts';
import { reshape } from '../ops/shape.ts';
import { softmax } from '../ops/softmax.ts';
import { relu } from '../ops/unary.ts';
import { Conv2d } from '../nn/conv.ts';
import { generatorFor, kaimingNormal_ } from '../nn/init.ts';
import { Lambda, Linear, Module, ReLU, Sequential } from '../nn/module.ts';
import { BatchNorm2d } from '../nn/norm.ts';
import { BasicBlock } from '../nn/resnet.ts';
import type { Generator } from '../ops/random.ts';

export interface SsccConfig {
  /** Input channels C (the code: 8 PCA components). */
  inChannels?: number;
  /** Clusters K (the code: the number of ground-truth classes). */
  clusters: number;
  /** Channel widths: the stem's, then one per layer (the code: [32, 64, 128, 256]). */
  widths?: readonly number[];
  /** BasicBlocks per layer (the code's ResNet18: 2). */
  blocks?: number;
  /** Hidden width of the cluster head (the code: 512). */
  hidden?: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

export const SSCC_WIDTHS: readonly number[] = [32, 64, 128, 256];

/**
 * The backbone (the code's `ResNet` with layers [2, 2, 2], no down-sampling): x [N, C, P, P] →
 * h [N, widths.at(-1)]. Layers are own properties layer1, layer2, … (arrays of BasicBlocks, named
 * `layer1.0`, `layer1.1` as nn.Sequential's children).
 */
export class SsccResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  [layer: `layer${number}`]: BasicBlock[];
  readonly depth: number;
  readonly inChannels: number;

  constructor(gpu: Gpu, inChannels: number, widths: readonly number[], blocks: number, gen: Generator) {
    super();
    this.inChannels = inChannels;
    this.depth = widths.length - 1;
    this.conv1 = new Conv2d(gpu, inChannels, widths[0], 1, { bias: false, seed: gen });
    kaimingNormal_(this.conv1.weight, { mode: 'fan_out', nonlinearity: 'relu' }, gen);
    this.bn1 = new BatchNorm2d(gpu, widths[0]);
    // Assigned after conv1 and bn1, so the state order is the code's (conv1, bn1, layer1, …).
    for (let i = 1; i <= this.depth; i++) {
      this[`layer${i}`] = Array.from({ length: blocks }, (_, b) => new BasicBlock(gpu, b === 0 ? widths[i - 1] : widths[i], widths[i], { seed: gen }));
    }
  }

  forward(x: Tensor): Tensor {
    const op = 'SsccResNet';
    x.assertLive(op);
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) throw new GpuUsageError(op, `input: expected shape [N, ${this.inChannels}, H, W], got ${fmtShape(x.shape)}`);
    return scope(() => {
      let y = relu(this.bn1.forward(this.conv1.forward(x)));
      for (let i = 1; i <= this.depth; i++) for (const block of this[`layer${i}`]) y = block.forward(y);
      const [n, c] = y.shape;
      return reshape(adaptiveAvgPool2d(y, 1), [n, c]);
    });
  }
}

/** SSCC's twin network (one set of weights for both views): backbone `resnet` and `cluster_projector`. */
export class Sscc extends Module {
  readonly resnet: SsccResNet;
  readonly cluster_projector: Sequential;
  readonly clusters: number;

  constructor(gpu: Gpu, config: SsccConfig) {
    super();
    const { inChannels = 8, clusters, widths = SSCC_WIDTHS, blocks = 2, hidden = 512, seed = 1 } = config;
    const op = 'Sscc';
    for (const [name, v] of [['inChannels', inChannels], ['clusters', clusters], ['blocks', blocks], ['hidden', hidden]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError(op, `${name}: expected a positive integer, got ${v}`);
    }
    if (!Array.isArray(widths) || widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w >= 1)) {
      throw new OptionError(op, `widths: expected the stem's width and at least one layer's, positive integers, got ${JSON.stringify(widths)}`);
    }
    this.clusters = clusters;
    const gen = generatorFor(seed);
    this.resnet = new SsccResNet(gpu, inChannels, widths, blocks, gen);
    const rep = widths[widths.length - 1];
    this.cluster_projector = new Sequential(
      new Linear(gpu, rep, hidden, { seed: gen }), new ReLU(), new Linear(gpu, hidden, clusters, { seed: gen }), new Lambda((z) => softmax(z, 1)),
    );
  }

  /** h [N, widths.at(-1)]: the backbone's pooled features of x [N, C, P, P]. */
  features(x: Tensor): Tensor {
    return this.resnet.forward(x);
  }

  /** c [N, K]: the cluster head's softmax rows for features h [N, widths.at(-1)]. */
  cluster(h: Tensor): Tensor {
    return this.cluster_projector.forward(h);
  }

  /** c [N, K], softmax rows, for x [N, C, P, P] (the code's forward_cluster before its argmax). */
  forward(x: Tensor): Tensor {
    return scope(() => this.cluster(this.features(x)));
  }
}

/** A state name of ours as the reference code's state_dict spells it (running_mean, …). */
export function torchStateName(name: string): string {
  return name.replace(/\.runningMean$/, '.running_mean').replace(/\.runningVar$/, '.running_var').replace(/\.numBatchesTracked$/, '.num_batches_tracked');
}

export interface SsccLossOptions {
  /** Weight of the instance loss (the code's loss_tradeoff: 5e-5). */
  tradeoff: number;
  /** NT-Xent temperature τ (the code's instance_temperature: 0.5). */
  temperature: number;
  /** Barlow Twins' off-diagonal weight λ (the code's balow_twins_tradeoff: 0.005). */
  lambda: number;
  /** Weight of the cluster-level loss (ClusterLoss, τ 0.2: defined in the code, unused there: 0). */
  clusterWeight: number;
}

export const SSCC_LOSS: Readonly<SsccLossOptions> = { tradeoff: 5e-5, temperature: 0.5, lambda: 0.005, clusterWeight: 0 };

/**
 * train.py's loss of the two views' cluster rows ci, cj [N, K], N ≥ 2: tradeoff · NT-Xent(ci, cj)
 * + Barlow-Twins cross-correlation(ci, cj) (ops/contrastive.ts: ntXent, barlowTwins, whose
 * semantics are the code's InstanceLoss and CrossCorrelationLoss), plus clusterWeight ·
 * ClusterLoss(ci, cj, τ 0.2) when clusterWeight > 0 (the code: 0; the fast preset's 1 sharpens the
 * rows, docs/sscc.md#presets). A scalar.
 */
export function ssccLoss(ci: Tensor, cj: Tensor, o: Partial<SsccLossOptions> = {}): Tensor {
  const { tradeoff, temperature, lambda, clusterWeight } = { ...SSCC_LOSS, ...o };
  return scope(() => {
    const loss = add(mul(ntXent(ci, cj, temperature), tradeoff), barlowTwins(ci, cj, lambda));
    return clusterWeight > 0 ? add(loss, mul(clusterContrastive(ci, cj, 0.2), clusterWeight)) : loss;
  });
}

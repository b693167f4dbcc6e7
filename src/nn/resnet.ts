/**
 * The residual block of torchvision's ResNet-18/34 (`BasicBlock`, expansion 1), which SSCC's
 * backbone stacks (docs/sscc.md#network, reference modules/resnet.py):
 *   out = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))
 * conv1 is 3×3 with the block's stride, conv2 3×3 stride 1, both padding 1 (zeros) and no bias;
 * the shortcut is the identity, or, when the stride or the channel count changes, a 1×1 conv
 * (the stride, no bias) and a BatchNorm: torchvision's `downsample` Sequential, so the state
 * names are conv1, bn1, conv2, bn2, downsample.0, downsample.1 as in a torchvision checkpoint
 * (BatchNorm buffers are spelled runningMean, runningVar, numBatchesTracked here, norm.ts).
 * Initialisation as torchvision's ResNet (and SSCC's): conv weights kaiming_normal(fan_out,
 * relu), BatchNorm weight 1 and bias 0, no zero-initialised last BN.
 */
import type { Gpu } from '../gpu/index.ts';
import { GpuUsageError } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import { fmtShape, type Tensor } from '../tensor/tensor.ts';
import { add } from '../ops/binary.ts';
import { Generator, type Seed } from '../ops/random.ts';
import { relu } from '../ops/unary.ts';
import { Conv2d } from './conv.ts';
import { generatorFor, kaimingNormal_ } from './init.ts';
import { Module, type Layer } from './module.ts';
import { BatchNorm2d } from './norm.ts';

export interface BasicBlockOptions {
  /** Stride of conv1 and of the shortcut's 1×1 conv (default 1; SSCC uses 1 everywhere). */
  stride?: number;
  /** Seed or generator of the initial conv weights (default: the module-wide generator). */
  seed?: Seed;
}

/** A 3×3 (or 1×1) conv without bias, padded to keep the size at stride 1, kaiming_normal(fan_out, relu). */
function convNoBias(gpu: Gpu, cin: number, cout: number, k: 1 | 3, stride: number, gen: Generator): Conv2d {
  const conv = new Conv2d(gpu, cin, cout, k, { stride, padding: (k - 1) / 2, bias: false, seed: gen });
  kaimingNormal_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu' }, gen);
  return conv;
}

/** torchvision's BasicBlock: x [N, inPlanes, H, W] → [N, planes, ⌈H/stride⌉, ⌈W/stride⌉]. */
export class BasicBlock extends Module implements Layer {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** The projection shortcut [1×1 conv, BN], or null for the identity. */
  readonly downsample: [Conv2d, BatchNorm2d] | null = null;
  readonly stride: number;

  constructor(gpu: Gpu, readonly inPlanes: number, readonly planes: number, opts: BasicBlockOptions = {}) {
    super();
    const op = 'BasicBlock';
    const { stride = 1 } = opts;
    for (const [name, v] of [['inPlanes', inPlanes], ['planes', planes], ['stride', stride]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError(op, `${name}: expected a positive integer, got ${v}`);
    }
    const gen = generatorFor(opts.seed);
    this.stride = stride;
    this.conv1 = convNoBias(gpu, inPlanes, planes, 3, stride, gen);
    this.bn1 = new BatchNorm2d(gpu, planes);
    this.conv2 = convNoBias(gpu, planes, planes, 3, 1, gen);
    this.bn2 = new BatchNorm2d(gpu, planes);
    // torchvision's rule: project when the shape of the residual would not match the input's.
    if (stride !== 1 || inPlanes !== planes) this.downsample = [convNoBias(gpu, inPlanes, planes, 1, stride, gen), new BatchNorm2d(gpu, planes)];
  }

  forward(x: Tensor): Tensor {
    const op = 'BasicBlock';
    x.assertLive(op);
    if (x.rank !== 4 || x.shape[1] !== this.inPlanes) throw new GpuUsageError(op, `input: expected shape [N, ${this.inPlanes}, H, W], got ${fmtShape(x.shape)}`);
    return scope(() => {
      const h = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
      const s = this.downsample ? this.downsample[1].forward(this.downsample[0].forward(x)) : x;
      return relu(add(h, s));
    });
  }
}

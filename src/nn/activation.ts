/**
 * Activation and regularisation modules as torch.nn.GELU, LeakyReLU and Dropout. GELU is the
 * exact (erf) form x·Φ(x), PyTorch's default approximate='none', which timm's ViT Block uses; the
 * kernel's erf is Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e−7, shaders/unary.wgsl), below float32
 * resolution of Φ near 1.
 */
import type { Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { scope } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { lt, mul } from '../ops/binary.ts';
import { Generator, rand, type Seed } from '../ops/random.ts';
import { gelu, leakyRelu } from '../ops/unary.ts';
import { reshape } from '../ops/shape.ts';
import { generatorFor } from './init.ts';
import { Module, type Layer } from './module.ts';

/** x·Φ(x) with Φ the standard normal CDF (torch.nn.GELU(approximate='none')). */
export class Gelu extends Module implements Layer {
  forward(x: Tensor): Tensor {
    return gelu(x);
  }
}

/** x for x > 0, slope·x otherwise (torch.nn.LeakyReLU, default slope 0.01; Super-AD uses 0.1). */
export class LeakyReLU extends Module implements Layer {
  constructor(readonly slope = 0.01) {
    super();
    if (!Number.isFinite(slope)) throw new OptionError('LeakyReLU', `slope: expected a finite number, got ${slope}`);
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.slope);
  }
}

export interface DropoutOptions {
  /** Seed or generator of the masks (default: the module-wide generator, see init.ts). */
  seed?: Seed;
}

/**
 * torch.nn.Dropout(p): in training mode each element is zeroed with probability p and the
 * survivors are scaled by 1/(1 − p), so the expectation is unchanged; in eval mode (and for
 * p = 0) the identity. Each training forward draws the next stream of the module's generator,
 * so a seed reproduces the whole sequence of masks (in Node and in browsers: Philox on the GPU).
 * Gradients flow through the same mask (a product with a constant).
 */
export class Dropout extends Module implements Layer {
  private readonly gen: Generator;

  constructor(readonly p = 0.5, opts: DropoutOptions = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new OptionError('Dropout', `p: expected a probability in [0, 1], got ${p}`);
    this.gen = generatorFor(opts.seed);
  }

  forward(x: Tensor): Tensor {
    x.assertLive('Dropout');
    // A view (same storage, gradient passed through) keeps the contract that forward returns a
    // new handle the caller owns and may dispose.
    if (!this.training || this.p === 0) return reshape(x, [...x.shape]);
    // p = 1 keeps nothing: every element is 0 (PyTorch returns zeros, not NaN from 0·∞).
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    return scope(() => {
      const keep = lt(rand(x.gpu, x.shape, this.gen), 1 - this.p);
      return mul(x, mul(keep, scale));
    });
  }
}

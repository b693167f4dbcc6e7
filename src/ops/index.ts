/**
 * The ops' public API, listed by name: what README documents and what a user of the library
 * needs (the ops, their option types, the kernel-choice and tuning functions). Helpers shared
 * between op files (geometry, plans, launch helpers) and mutable tuning objects stay internal:
 * other modules and tests import them from their own files.
 */
export { neg, abs, exp, log, sqrt, rsqrt, square, relu, leakyRelu, gelu, sigmoid, tanh, clamp } from './unary.ts';
export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where, expand, type Operand } from './binary.ts';
export { sum, mean, max, min, variance, logsumexp, argmax, argmin } from './reduce.ts';
export { tensor, full, zeros, ones, zerosLike, onesLike, arange, type HostData } from './fill.ts';
export { Generator, rand, randn, randBits, type Seed } from './random.ts';
export { matmul, matmulWith, matmulVariant, matmulChoices, withMatmulChoice, type MatmulOptions, type MatmulVariant } from './matmul.ts';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, slice, pad, concat, stack, type SliceRange, type PadMode } from './shape.ts';
export { gather, indexSelect, scatterAdd } from './gather.ts';
export { softmax, logSoftmax } from './softmax.ts';
export { l1Loss, mseLoss, crossEntropy, type Reduction, type CrossEntropyOptions } from './loss.ts';
export { avgPool2d, maxPool2d, adaptiveAvgPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from './pool.ts';
export { batchNorm, layerNorm, type BatchNormOptions } from './norm.ts';
export { superpixelPool, superpixelUnpool } from './superpixel.ts';
export { buildSegments, checkLabels, segmentSort, obpmThresholds, obpmKeepMask, Segments, type ObpmThresholds } from './segment.ts';
export { adaSelect, adaConv, adaConvInputGrad, adaConvWeightGrad, adaConvPlans, withAdaConvPlan, convSelect, AdaSelection, type AdaConvPlan } from './adaconv.ts';
export { ntXent, clusterContrastive, barlowTwins } from './contrastive.ts';
export { conv2d, conv2dInputGrad, conv2dWeightGrad, centreMask, type Conv2dOptions, type PaddingMode } from './conv2d.ts';
export { conv2dPlans, withConv2dPlan, type Conv2dPlan } from './conv2d_direct.ts';
export type { Pair } from './util.ts';
export { tuneMatmul, tuneConv2d, type MatmulShape, type ConvShape, type TuneOptions, type TuneResult } from './tune.ts';

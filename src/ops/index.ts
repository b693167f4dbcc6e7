/** The op families, and the primitives the autodiff engine borrows from them. */
import { registerGradPrimitives } from '../autograd/tape.ts';
import { add } from './binary.ts';
import { onesLike } from './fill.ts';

registerGradPrimitives({ add: (a, b) => add(a, b), onesLike });

export * from './unary.ts';
export * from './binary.ts';
export * from './reduce.ts';
export * from './fill.ts';
export { broadcastShapes } from './broadcast.ts';
export * from './random.ts';
export * from './matmul.ts';
export * from './shape.ts';
export * from './gather.ts';
export * from './softmax.ts';
export * from './loss.ts';
export * from './pool.ts';
export * from './norm.ts';
export * from './superpixel.ts';
export * from './segment.ts';
export * from './adaconv.ts';
export * from './contrastive.ts';
export * from './conv2d.ts';
export * from './tune.ts';

/**
 * hsi-gpu: self-supervised hyperspectral learning on WebGPU.
 * The same module runs in Node (Dawn) and in browsers (navigator.gpu).
 */
export * from './errors.ts';
export * from './gpu/index.ts';
export type { Platform } from './platform/types.ts';
export const version: string = __HSI_VERSION__;
export * from './data/index.ts';
export * from './tensor/index.ts';
export * from './autograd/index.ts';
export * from './ops/index.ts';
export * from './nn/index.ts';
export * from './metrics/index.ts';
export * from './models/index.ts';

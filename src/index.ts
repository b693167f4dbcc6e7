/**
 * hsi-gpu: self-supervised hyperspectral learning on WebGPU.
 * The same module runs in Node (Dawn) and in browsers (navigator.gpu).
 */
export * from './errors.ts';
// The GPU layer's public part; its tuning and pool internals stay in src/gpu/.
export {
  createGpu, Gpu, OPTIONAL_FEATURES, type GpuOptions, Kernel, type KernelSpec, type Grid, type ParamValues, DeviceBuffer, type PoolStats,
  selfCheck, type SelfCheckResult, describeGpu, type GpuDescription, debugLevel, adapterKey, Tuning, type TuningEntry, type TuningTable,
  GpuError, GpuUnavailableError, GpuLimitError, GpuValidationError, GpuOutOfMemoryError, DeviceLostError, KernelCompileError, GpuUsageError,
  type CompileMessage,
} from './gpu/index.ts';
export type { Platform } from './platform/types.ts';
export const version: string = __HSI_VERSION__;
export * from './data/index.ts';
export * from './tensor/index.ts';
export * from './autograd/index.ts';
export * from './ops/index.ts';
export * from './nn/index.ts';
export * from './metrics/index.ts';
export * from './models/index.ts';

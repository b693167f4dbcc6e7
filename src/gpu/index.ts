/** The GPU runtime: device, buffer pool, command recording, kernels. */
export { createGpu, Gpu, OPTIONAL_FEATURES, type GpuCounts, type GpuOptions } from './device.ts';
export { BIND_GROUP_CAPACITY, BindGroupCache } from './bindgroups.ts';
export * from './errors.ts';
export { Kernel, type KernelSpec, type Grid, type ParamValues } from './kernel.ts';
export { BufferPool, DeviceBuffer, sizeClass, type PoolStats } from './pool.ts';
export { selfCheck, type SelfCheckResult } from './selfcheck.ts';
export { describeGpu, type GpuDescription } from './info.ts';
export { debugLevel } from './debug.ts';
export { wgslConstants } from './reflect.ts';
export { adapterKey, bucket, ForcedChoice, timeCandidates, Tuning, winner, type TuningEntry, type TuningTable } from './tuning.ts';

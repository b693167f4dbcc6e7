/**
 * A plain description of the engine's GPU for `hsi info`, bug reports and DEBUG output.
 */
import type { Gpu } from './device.ts';

export interface GpuDescription {
  package: { name: string; version: string };
  platform: string;
  backend: string;
  versions: Record<string, string>;
  adapter: Record<string, unknown>;
  features: string[];
  /** Every limit of the device, as granted. */
  limits: Record<string, number>;
}

export function describeGpu(gpu: Gpu): GpuDescription {
  const limits: Record<string, number> = {};
  // GPUSupportedLimits exposes its values as prototype getters: walk them by name.
  for (const key in gpu.limits) limits[key] = (gpu.limits as unknown as Record<string, number>)[key];
  return {
    package: { name: 'hsi-gpu', version: __HSI_VERSION__ },
    platform: gpu.platform.name,
    backend: gpu.platform.backend,
    versions: gpu.platform.versions(),
    adapter: gpu.info,
    features: [...gpu.features].sort(),
    limits,
  };
}

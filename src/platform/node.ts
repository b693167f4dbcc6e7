/**
 * Node host: WebGPU through Dawn (npm `webgpu`). This is the only file that imports it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create, globals } from 'webgpu';
import type { Platform } from './types.ts';

// Dawn crashes the process if the object returned by create() is garbage-collected
// while devices are alive (docs/engine.md#performance), so it lives for the life of the module.
let dawn: GPU | null = null;

function dawnGpu(): GPU {
  if (!dawn) {
    // GPUBufferUsage, GPUMapMode, GPUShaderStage: browsers define them, Node does not.
    Object.assign(globalThis, globals);
    dawn = create([]);
  }
  return dawn;
}

let gc: (() => void) | null = null;

/**
 * V8's gc(): the global one under --expose-gc, else one from a context made with the flag on.
 * Where neither can be had (a locked-down runtime), collection is left to V8: evicted bind groups
 * then live longer, which costs mappings on lavapipe but changes no result.
 */
function collectGarbage(): void {
  gc ??= (globalThis as { gc?: () => void }).gc ?? exposedGc();
  gc();
}

function exposedGc(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  } finally {
    // Only that one context gets it; contexts made later see no gc global.
    setFlagsFromString('--no-expose-gc');
  }
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const installHelp = [
  'Node found no WebGPU adapter. On a machine without a GPU, Dawn needs a Vulkan driver:',
  '  Debian 12: add bookworm-backports and run',
  '    apt-get install -t bookworm-backports mesa-vulkan-drivers   (Mesa 25 lavapipe; Debian 12\'s Mesa 22 is refused by Dawn)',
  '  Ubuntu 24.04+: apt-get install mesa-vulkan-drivers',
  '  or run `bash scripts/setup.sh`, which does this when it can.',
  'Check with `vulkaninfo --summary` (package vulkan-tools) that a device is listed.',
].join('\n');

export const platform: Platform = {
  name: 'node',
  gpu: () => dawnGpu(),
  installHelp,
  backend: `Dawn (npm webgpu ${packageVersion('webgpu')})`,
  versions: () => ({ node: process.versions.node, webgpu: packageVersion('webgpu'), v8: process.versions.v8 }),
  env: (name) => process.env[name],
  collectGarbage,
};

/** The bytes of the file at `path` (model checkpoints: nn/safetensors.ts). */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a plain view, no copy
}

/** Writes `bytes` to the file at `path`, replacing it. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
}

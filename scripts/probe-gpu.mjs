// Exit 0 and print the adapter if Node (Dawn) finds a WebGPU adapter; exit 1 otherwise.
// Used by scripts/setup.sh to decide whether a Vulkan driver must be installed.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter().catch(() => null);
if (!adapter) {
  console.log('no WebGPU adapter');
  process.exit(1);
}
console.log(`${adapter.info.description || adapter.info.vendor} (${adapter.info.architecture})`);
process.exit(0);

/**
 * peers.ts for the Chromium benchmark bundles (scripts/bench-browser.mjs swaps it in): the
 * TF.js peers stay in Node, so the browser run measures hsi-gpu alone and imports no Node code.
 */
import { describeGpu, type Gpu } from '../src/index.ts';

/** Tells the runner which adapter this benchmark measures. */
export function announce(gpu: Gpu): void {
  console.log(`@@bench-adapter ${JSON.stringify(describeGpu(gpu).adapter)}`);
}

/** No peers in the browser: announces the adapter and returns an empty list. */
export async function loadPeers(gpu: Gpu): Promise<('webgpu' | 'wasm')[]> {
  announce(gpu);
  return [];
}

/** Never reached (loadPeers returns no backend); fails loudly if a benchmark asks anyway. */
export async function tfBackend(backend: 'webgpu' | 'wasm'): Promise<() => Promise<void>> {
  throw new Error(`bench: TF.js backend: expected none in the browser, got a request for ${backend}`);
}

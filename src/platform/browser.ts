/**
 * Browser host: WebGPU through `navigator.gpu`. This is the only file that reads it.
 */
import type { Platform } from './types.ts';

const installHelp = [
  'This browser exposes no WebGPU adapter (navigator.gpu is missing or returned no adapter).',
  'Use a current Chrome, Edge or Firefox over https or localhost; on Linux Chromium without a GPU,',
  'start it with --enable-unsafe-webgpu (it then runs WebGPU on SwiftShader).',
].join('\n');

interface BrowserGlobals {
  navigator?: { gpu?: GPU; userAgent?: string };
  [key: string]: unknown;
}
const g = globalThis as unknown as BrowserGlobals;

export const platform: Platform = {
  name: 'browser',
  gpu: () => g.navigator?.gpu ?? null,
  installHelp,
  backend: 'browser WebGPU (navigator.gpu)',
  versions: () => ({ userAgent: g.navigator?.userAgent ?? 'unknown' }),
  // Settings such as DEBUG are globals in a page: `globalThis.DEBUG = 2` before loading the engine.
  env: (name) => (g[name] === undefined ? undefined : String(g[name])),
};

const noFiles = (fn: string): Error =>
  new Error(`${fn}: file paths need Node; in a browser, fetch or pick the file and pass its bytes (ArrayBuffer or Uint8Array) to the bytes API instead`);

/** Browsers have no file paths: the bytes API (e.g. loadSafetensors) takes an ArrayBuffer. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  throw noFiles(`readFileBytes(${path})`);
}

/** Browsers have no file paths: save the bytes (e.g. from saveSafetensors) with a download instead. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  void bytes;
  throw noFiles(`writeFileBytes(${path})`);
}

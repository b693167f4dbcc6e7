/**
 * What the GPU layer needs from its host. Exactly two implementations exist:
 * `node.ts` (the only importer of the `webgpu` package) and `browser.ts` (the only
 * reader of `navigator.gpu`). Bundles pick one through the `#platform` import map.
 */
export interface Platform {
  /** 'node' or 'browser'. */
  readonly name: 'node' | 'browser';
  /** The WebGPU entry object, or null when this host has none. */
  gpu(): GPU | null;
  /** What a user must do to get a WebGPU adapter on this host (shown when none is found). */
  readonly installHelp: string;
  /** Runtime description for `hsi info`, e.g. `Dawn (npm webgpu 0.6.2)`. */
  readonly backend: string;
  /** Versions of the host and its WebGPU implementation. */
  versions(): Record<string, string>;
  /** An environment setting (process.env in Node, a global in browsers). */
  env(name: string): string | undefined;
  /**
   * A full garbage collection, where the host lets a program ask for one (Node). WebGPU objects
   * that cannot be destroyed explicitly (bind groups) are freed only when collected
   * (docs/engine.md#bind-groups).
   */
  collectGarbage?(): void;
}

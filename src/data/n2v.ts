/**
 * Noise2Void blind-spot masking of patches (WebAssembly, assembly/n2v.ts), exactly as BS3LNet
 * builds its training pairs (docs/bs3lnet.md#masking): ceil(p²·(1 − ratio)) masked positions
 * per patch, the centre first and the rest uniform on the grid with replacement; each takes the
 * whole spectrum of a pixel at a random offset in the size_window neighbourhood (without
 * (0, 0)), wrapped periodically inside the patch, read from the unmasked patch; the mask is 0
 * there.
 *
 * Static or resampled: each patch draws from its own stream (seed, id), id = its centre pixel
 * by default. BS3LNet masks once (static for all epochs): keep the seed. To resample each epoch,
 * pass a new seed per epoch (e.g. seed + epoch).
 */
import { DataError } from './cube.ts';
import { checkPatches, checkSeed, checkSize, streamIds, type Patches } from './patch.ts';
import { withWasm } from './wasm.ts';

export interface N2vOptions {
  /** Fraction of the patch left unmasked; default 0.9 (BS3LNet). */
  ratio?: number;
  /** Side of the neighbourhood replacement pixels come from; default 5 (BS3LNet). */
  window?: number;
  /** Generator seed, an integer in [0, 2^32); default 1 (BS3LNet's seed). */
  seed?: number;
  /** Stream of each patch; default the patch centres, else 0..N−1. */
  ids?: ArrayLike<number>;
}

/** BS3LNet's (input, label, mask) triplet for a batch of patches, all [N, C, p, p]. */
export interface N2vBatch {
  /** Patches with the masked positions replaced. */
  input: Float32Array;
  /** The original patches (the same array as the argument's data). */
  label: Float32Array;
  /** 0 at masked positions in every band, 1 elsewhere: the loss uses (1 − mask). */
  mask: Float32Array;
  /** Masked draws per patch, ceil(p²·(1 − ratio)); duplicates make the unique count smaller. */
  masked: number;
}

/** Masked positions per patch, computed as BS3LNet does: ceil(size·size·(1 − ratio)). */
export function n2vCount(size: number, ratio: number): number {
  return Math.ceil(size * size * (1 - ratio));
}

/** Blind-spot masking of `patches`; deterministic by (seed, ids). */
export async function n2vMask(patches: Patches, options: N2vOptions = {}): Promise<N2vBatch> {
  const { ratio = 0.9, window = 5, seed = 1 } = options;
  checkPatches('n2vMask', patches);
  if (!(ratio >= 0 && ratio < 1)) {
    throw new DataError('n2vMask', `ratio: expected 0 ≤ ratio < 1, got ${ratio}`, 'BS3LNet uses 0.9');
  }
  if (!Number.isInteger(window) || window < 2 || window > patches.size) {
    throw new DataError('n2vMask', `window: expected an integer in [2, ${patches.size}] (the patch size), got ${window}`, 'BS3LNet uses 5');
  }
  checkSeed('n2vMask', seed);
  const ids = streamIds('n2vMask', patches, options.ids);
  checkSize('n2vMask', 2 * patches.data.length, 'mask the patches in batches');
  const { count, bands, size, data } = patches;
  const out = await withWasm((w) => w.n2vMask(data, count, bands, size, ratio, window, seed, ids));
  const n = data.length;
  return { input: out.subarray(0, n), label: data, mask: out.subarray(n), masked: n2vCount(size, ratio) };
}

// Noise2Void blind-spot masking as BS3LNet builds its training pairs (docs/bs3lnet.md#masking,
// `generate_mask` in its dataset.py), on patches [N, C, p, p]:
//  - m = ceil(p·p·(1 − ratio)) masked positions per patch (37 for p = 19, ratio 0.9);
//  - position 0 is the centre (p/2, p/2); the other m − 1 are (y, x) uniform on the p×p grid,
//    drawn y then x, with replacement, redrawing both when they hit the centre;
//  - then m offsets (dy, dx), each uniform on {lo, …, lo+w−1}² \ {(0, 0)} with lo = −⌊w/2⌋
//    (w = 5: {−2, …, 2}², 24 choices), drawn dy then dx, redrawing both on (0, 0);
//  - the source of position k is ((y+dy) mod p, (x+dx) mod p), a periodic wrap inside the patch;
//  - the whole spectrum at a masked position is replaced by the source's spectrum read from the
//    unmasked patch; a repeated position keeps the last write;
//  - the mask is 0 at masked positions for all bands and 1 elsewhere, [N, C, p, p].
// Patch n draws from its own stream (seed, ids[n]) (see prng.ts), so its mask depends only on
// the seed and its id: the same seed reproduces BS3LNet's static masks whatever the batching,
// and a new seed per epoch resamples them.
import { rngBelow, rngSeed } from './prng';
import { MAX_VALUES } from './patch';

/** Number of masked positions per patch, computed as BS3LNet does (f64, then ceil). */
export function n2vCount(size: i32, ratio: f64): i32 {
  return <i32>Math.ceil(<f64>(size * size) * (1.0 - ratio));
}

function checkArgs(length: i32, count: i32, channels: i32, size: i32, ratio: f64, window: i32, ids: i32): void {
  if (count <= 0 || channels <= 0 || size <= 0) {
    throw new Error('n2vMask: shape: expected positive count, channels, size, got ' + count.toString() + '×' + channels.toString() + '×' + size.toString());
  }
  if (<i64>count * channels * size * size != <i64>length) {
    throw new Error('n2vMask: patches length: expected ' + count.toString() + '×' + channels.toString() + '×' + size.toString() + '×' + size.toString() + ', got ' + length.toString());
  }
  if (<i64>length * 2 > MAX_VALUES) throw new Error('n2vMask: count: expected at most ' + (MAX_VALUES / 2).toString() + ' values per call, got ' + length.toString() + '; mask in batches');
  if (!(ratio >= 0 && ratio < 1)) throw new Error('n2vMask: ratio: expected 0 ≤ ratio < 1, got ' + ratio.toString());
  if (window < 2 || window > size) throw new Error('n2vMask: window: expected 2 ≤ window ≤ size = ' + size.toString() + ', got ' + window.toString());
  if (ids != count) throw new Error('n2vMask: ids: expected one per patch (' + count.toString() + '), got ' + ids.toString());
}

/**
 * Masked inputs and loss masks for patches [N, C, p, p]: returns 2·N·C·p·p values, the masked
 * input first, then the mask (1 keep, 0 masked).
 */
export function n2vMask(patches: Float32Array, count: i32, channels: i32, size: i32, ratio: f64, window: i32, seed: u32, ids: Int32Array): Float32Array {
  checkArgs(patches.length, count, channels, size, ratio, window, ids.length);
  const m = n2vCount(size, ratio);
  const total = patches.length;
  const out = new Float32Array(2 * total);
  const src = patches.dataStart;
  const dst = out.dataStart;
  memory.copy(dst, src, <usize>total << 2);
  out.fill(1, total, 2 * total);
  const spots = new Int32Array(2 * m); // masked pixel y·p + x, then its source, in draw order
  const target = spots.dataStart;
  const source = target + (<usize>m << 2);
  const half = size >> 1;
  const plane = size * size;
  const lo = -(window >> 1);
  for (let n = 0; n < count; n++) {
    rngSeed(<u32>seed, <u32>unchecked(ids[n]));
    drawPositions(target, m, size, half);
    drawSources(target, source, m, size, window, lo);
    replace(src, dst, dst + (<usize>total << 2), n * channels * plane, channels, plane, target, source, m);
  }
  return out;
}

/** Copies each source spectrum onto its target and zeroes the mask there, in draw order. */
function replace(src: usize, input: usize, mask: usize, base: i32, channels: i32, plane: i32, target: usize, source: usize, m: i32): void {
  for (let k = 0; k < m; k++) {
    const t = load<i32>(target + (<usize>k << 2));
    const s = load<i32>(source + (<usize>k << 2));
    for (let ch = 0; ch < channels; ch++) {
      const o = base + ch * plane;
      store<f32>(input + (<usize>(o + t) << 2), load<f32>(src + (<usize>(o + s) << 2)));
      store<f32>(mask + (<usize>(o + t) << 2), 0);
    }
  }
}

function drawPositions(target: usize, m: i32, size: i32, half: i32): void {
  store<i32>(target, half * size + half);
  for (let k = 1; k < m; k++) {
    let y: i32, x: i32;
    do {
      y = <i32>rngBelow(<u32>size);
      x = <i32>rngBelow(<u32>size);
    } while (y == half && x == half);
    store<i32>(target + (<usize>k << 2), y * size + x);
  }
}

function drawSources(target: usize, source: usize, m: i32, size: i32, window: i32, lo: i32): void {
  for (let k = 0; k < m; k++) {
    let dy: i32, dx: i32;
    do {
      dy = <i32>rngBelow(<u32>window) + lo;
      dx = <i32>rngBelow(<u32>window) + lo;
    } while (dy == 0 && dx == 0);
    const t = load<i32>(target + (<usize>k << 2));
    let sy = t / size + dy;
    let sx = t % size + dx;
    sy += sy < 0 ? size : sy >= size ? -size : 0;
    sx += sx < 0 ? size : sx >= size ? -size : 0;
    store<i32>(source + (<usize>k << 2), sy * size + sx);
  }
}

// adaconv.wgsl — Super-AD's adaptive-neighbour convolution (AdaConv, docs/superad.md#adaconv):
// the per-pixel neighbour selection, the gather of selected neighbours into columns, and the
// deterministic scatter of column gradients back to the features (src/ops/adaconv.ts does the
// products with the engine's matmul).
//
// A selection `sel` [kk, H, W] (kk = k², u32) holds, for every pixel p and kernel slot r, the
// flat source pixel (y·W + x, reflect padding already resolved) whose features slot r reads,
// or INVALID for a zero (the zero-padded plain convolution).
//
// adaconv_select: guide [H, W] (read) → sel [kk, H, W]. One invocation per pixel.
//   guided = 1: the window of n × n positions around the pixel (index j = dy'·n + dx'), guide
//   values outside the image read guide_pad; slot r takes the r-th smallest (value, j) pair, i.e.
//   ascending value, ties by lower j (torch.topk(largest=False) leaves ties open; we fix them).
//   k² selection passes, each a scan of the n² values for the least pair after the previous
//   one: no private array, O(k²·n²) guide loads per pixel (225 for n = 5, k = 3).
//   The chosen padded position is reflected (x[-1] = x[1]) into the image: the caller checks
//   (n−1)/2 ≤ H−1, W−1 as PyTorch's reflect padding does.
//   guided = 0: slot r = (r / k, r % k) of a k × k window with zero padding (INVALID outside).
// adaconv_gather: x [C, H·W], sel → cols [C·kk, H·W] with row c·kk + r (the order of a weight
//   [O, C, k, k] flattened): cols[c·kk + r, p] = x[c, sel[r, p]] (0 for INVALID). One
//   invocation per (r, p), looping over C, so each index is loaded once for all channels.
// adaconv_backward_x: g [H·W, kk, C] (dL/dcols, channels fastest), sel → dx [C, H·W].
//   dx[c, q] = Σ over (p, r) with sel[r, p] = q of g[p, r, c]. A pixel p reads q only when both
//   lie within `radius` (Chebyshev distance; also through reflection, since reflecting keeps
//   the distance ≤ radius), so invocation (q, channel block) scans the ≤ (2·radius+1)² readers'
//   kk slots in row-major reader order then slot order: a fixed summation order, no atomics,
//   the same bits on every run and device. BLOCK_CHANNELS channels accumulate per invocation.
// Dispatch: one invocation per item, workgroups of WG, grids beyond 65,535 workgroups fold
// into y (item = gid.x + gid.y · nwg.x · WG).
// Numerics: selection compares f32 exactly (no NaN expected in the guide); sums are f32.

override WG: u32 = 64;
// Channels one adaconv_backward_x invocation accumulates in registers (read by the host).
const BLOCK_CHANNELS = 32u;

const INVALID = 0xffffffffu;
const F32_MAX = 3.40282346e38;

struct SelectParams {
  h: u32,
  w: u32,
  n: u32,
  k: u32,
  guided: u32,
  guide_pad: f32,
}

struct GatherParams {
  c: u32,
  hw: u32,
  kk: u32,
}

struct ScatterParams {
  c: u32,
  h: u32,
  w: u32,
  kk: u32,
  radius: u32,
  blocks: u32,
}

@group(0) @binding(0) var<storage, read> guide: array<f32>;
@group(0) @binding(1) var<storage, read_write> sel_out: array<u32>;
@group(0) @binding(2) var<storage, read> sel: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> cols: array<f32>;
@group(0) @binding(5) var<storage, read> g: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<uniform> sparams: SelectParams;
@group(0) @binding(8) var<uniform> gparams: GatherParams;
@group(0) @binding(9) var<uniform> xparams: ScatterParams;

// Reflects a padded coordinate into [0, size) (one reflection: |pad| ≤ size − 1).
fn reflect_coord(u: i32, size: u32) -> u32 {
  let last = i32(size) - 1;
  return u32(select(select(u, 2 * last - u, u > last), -u, u < 0));
}

fn guide_at(gy: i32, gx: i32) -> f32 {
  let inside = gy >= 0 && gx >= 0 && gy < i32(sparams.h) && gx < i32(sparams.w);
  let i = select(0u, u32(gy) * sparams.w + u32(gx), inside);
  return select(sparams.guide_pad, guide[i], inside);
}

// Zero-padded plain k × k taps.
fn select_fixed(i: u32, py: i32, px: i32) {
  let hw = sparams.h * sparams.w;
  let half = i32(sparams.k - 1u) / 2;
  for (var r = 0u; r < sparams.k * sparams.k; r++) {
    let yy = py + i32(r / sparams.k) - half;
    let xx = px + i32(r % sparams.k) - half;
    let inside = yy >= 0 && xx >= 0 && yy < i32(sparams.h) && xx < i32(sparams.w);
    sel_out[r * hw + i] = select(INVALID, u32(yy) * sparams.w + u32(xx), inside);
  }
}

@compute @workgroup_size(WG)
fn adaconv_select(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let hw = sparams.h * sparams.w;
  if (i >= hw) { return; }
  let py = i32(i / sparams.w);
  let px = i32(i % sparams.w);
  if (sparams.guided == 0u) {
    select_fixed(i, py, px);
    return;
  }
  let n = sparams.n;
  let nn = n * n;
  let half = i32(n - 1u) / 2;
  var prev_v = -F32_MAX;
  var prev_j = -1;
  for (var r = 0u; r < sparams.k * sparams.k; r++) {
    var best_v = F32_MAX;
    var best_j = nn;
    for (var j = 0u; j < nn; j++) {
      let v = guide_at(py + i32(j / n) - half, px + i32(j % n) - half);
      // After the previous pick in (value, j) order; j ascends, so strict < keeps the lowest j.
      let after = v > prev_v || (v == prev_v && i32(j) > prev_j);
      if (after && (v < best_v || best_j == nn)) {
        best_v = v;
        best_j = j;
      }
    }
    prev_v = best_v;
    prev_j = i32(best_j);
    let sy = reflect_coord(py + i32(best_j / n) - half, sparams.h);
    let sx = reflect_coord(px + i32(best_j % n) - half, sparams.w);
    sel_out[r * hw + i] = sy * sparams.w + sx;
  }
}

@compute @workgroup_size(WG)
fn adaconv_gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  let hw = gparams.hw;
  let kk = gparams.kk;
  if (t >= kk * hw) { return; }
  let r = t / hw;
  let p = t % hw;
  let s = sel[t];
  let ok = s != INVALID;
  let src = select(0u, s, ok);
  for (var c = 0u; c < gparams.c; c++) {
    cols[(c * kk + r) * hw + p] = select(0.0, x[c * hw + src], ok);
  }
}

@compute @workgroup_size(WG)
fn adaconv_backward_x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  let w = xparams.w;
  let hw = xparams.h * w;
  if (t >= xparams.blocks * hw) { return; }
  let q = t % hw;
  let c0 = (t / hw) * BLOCK_CHANNELS;
  let cn = min(BLOCK_CHANNELS, xparams.c - c0);
  let kk = xparams.kk;
  let rad = xparams.radius;
  let qy = q / w;
  let qx = q % w;
  var acc: array<f32, BLOCK_CHANNELS>;
  for (var yy = max(qy, rad) - rad; yy <= min(qy + rad, xparams.h - 1u); yy++) {
    for (var xx = max(qx, rad) - rad; xx <= min(qx + rad, w - 1u); xx++) {
      let p = yy * w + xx;
      for (var r = 0u; r < kk; r++) {
        if (sel[r * hw + p] != q) { continue; }
        let o = (p * kk + r) * xparams.c + c0;
        for (var c = 0u; c < cn; c++) { acc[c] += g[o + c]; }
      }
    }
  }
  for (var c = 0u; c < cn; c++) { dx[(c0 + c) * hw + q] = acc[c]; }
}

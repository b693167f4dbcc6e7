// superpixel.wgsl — superpixel pooling (per-superpixel means) and unpooling (gather back to the
// pixels), forward and backward, over a Segments CSR (src/ops/segment.ts, shaders/segment.wgsl).
//
// Layouts: x / out are rows of planes: pixel planes [R, N] (N = H·W, R = B·C rows, NCHW) or
// token rows [R, S]. labels [N] i32; pixels [N] u32 = pixel indices grouped by label (ascending
// inside a group); offsets [S + 1] u32, segment s = pixels[offsets[s] .. offsets[s+1]).
// A label outside [0, S) is in no segment: pooling never reads the pixel, unpooling writes 0.
//
// Two shapes of kernel, two entries each:
// segment sums  (superpixel_pool_forward: mean; superpixel_unpool_backward: sum)
//   x [R, N] → out [R, S]; one invocation per (4 rows, segment) walks the segment's pixels
//   in CSR order, loading each pixel index once for 4 rows. Empty segment → 0.
// spread        (superpixel_unpool_forward: gather; superpixel_pool_backward: gather / n_s)
//   x [R, S] → out [R, N]; one invocation per (4 rows, CHUNK consecutive CSR positions)
//   stores each pixel's 4 values, loading tokens only where the label changes (2.5× faster on
//   lavapipe than one invocation per (4 rows, pixel) loading its token every time).
// Dispatch: WG lanes, grids beyond 65,535 workgroups fold into y (gid.x + gid.y · nwg.x · WG).
// Numerics: every sum is added in the fixed CSR order (no atomics), so results are the same
// bits on every run; the mean multiplies the sum by 1/n_s (so does its backward).

override WG: u32 = 64;
// CSR positions per spread invocation: enough work to amortise an invocation on lavapipe.
override CHUNK: u32 = 16;

// Rows per invocation (segment_sum keeps them in one vec4f).
const SPX_ROWS = 4u;

struct Params {
  rows: u32,
  n: u32,
  segments: u32,
}

@group(0) @binding(0) var<storage, read> labels: array<i32>;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

fn linear(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// out[r, s] = scale · Σ_{i ∈ segment s} x[r, pixels[i]] for 4 rows r0 … r0+3.
fn segment_sum(t: u32, mean: bool) {
  let s = t % params.segments;
  let r0 = (t / params.segments) * SPX_ROWS;
  if (r0 >= params.rows) { return; }
  let n = params.n;
  // Rows past the end re-read the last row; their sums are never written.
  let last = params.rows - 1u;
  let base = vec4u(r0, min(r0 + 1u, last), min(r0 + 2u, last), min(r0 + 3u, last)) * n;
  let lo = offsets[s];
  let hi = offsets[s + 1u];
  var acc = vec4f(0.0);
  for (var i = lo; i < hi; i++) {
    let p = pixels[i];
    acc += vec4f(x[base.x + p], x[base.y + p], x[base.z + p], x[base.w + p]);
  }
  let scale = select(1.0, 1.0 / f32(max(hi - lo, 1u)), mean);
  for (var j = 0u; j < SPX_ROWS; j++) {
    if (r0 + j < params.rows) { out[(r0 + j) * params.segments + s] = acc[j] * scale; }
  }
}

// out[r, p] = x[r, ℓ(p)] (· 1/n_ℓ(p) for the mean's backward) for 4 rows r0 … r0+3 and the
// CHUNK pixels at CSR positions c·CHUNK …; 0 where ℓ(p) is out of range. CSR order keeps a
// label for long runs: the 4 tokens (and 1/n) are reloaded only when it changes.
fn spread(t: u32, mean: bool) {
  let n = params.n;
  let chunks = (n + CHUNK - 1u) / CHUNK;
  let c = t % chunks;
  let r0 = (t / chunks) * SPX_ROWS;
  if (r0 >= params.rows) { return; }
  let rows = min(params.rows - r0, SPX_ROWS);
  // Rows past the end re-read the last row; they are never written.
  let last = params.rows - 1u;
  let base = vec4u(r0, min(r0 + 1u, last), min(r0 + 2u, last), min(r0 + 3u, last)) * params.segments;
  // Label −1 (out of range) starts with its correct values, 0.
  var cur = -1;
  var v = vec4f(0.0);
  for (var i = c * CHUNK; i < min(c * CHUNK + CHUNK, n); i++) {
    let p = pixels[i];
    let l = labels[p];
    if (l != cur) {
      cur = l;
      let ok = l >= 0 && u32(l) < params.segments;
      let s = select(0u, u32(l), ok);
      var scale = 1.0;
      if (mean) { scale = 1.0 / f32(max(offsets[s + 1u] - offsets[s], 1u)); }
      v = select(vec4f(0.0), vec4f(x[base.x + s], x[base.y + s], x[base.z + s], x[base.w + s]) * scale, ok);
    }
    for (var j = 0u; j < rows; j++) { out[(r0 + j) * n + p] = v[j]; }
  }
}

@compute @workgroup_size(WG)
fn superpixel_pool_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  segment_sum(linear(gid, nwg), true);
}

@compute @workgroup_size(WG)
fn superpixel_unpool_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  segment_sum(linear(gid, nwg), false);
}

@compute @workgroup_size(WG)
fn superpixel_unpool_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  spread(linear(gid, nwg), false);
}

@compute @workgroup_size(WG)
fn superpixel_pool_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  spread(linear(gid, nwg), true);
}

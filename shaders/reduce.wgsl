// reduce.wgsl — sum / max / min along the middle axis of x viewed as [outer, r, inner].
//
// The axis is cut into nchunk chunks of `chunk` elements; each pass writes the partial
// results out [outer, nchunk, inner] (scaled by params.scale, 1/N for a mean's last pass).
// src/ops/reduce.ts runs a second pass over the chunks when nchunk > 1, and reduces several
// axes as successive passes over groups of adjacent axes.
//
// reduce_rows (inner = 1, the reduced elements are contiguous): one workgroup of WG lanes per
//   (outer, chunk); lanes stride the chunk, then a tree in workgroup memory combines them.
// reduce_columns (inner > 1): one invocation per (outer, chunk, inner) walks its chunk with
//   stride `inner`; neighbouring lanes read neighbouring addresses.
// WG must be a power of two (the tree halves it). Grids beyond 65,535 workgroups fold into y.
// Numerics: max/min start at ±3.4028235e38 (no Inf in shaders, STYLE.md); an empty axis gives
// 0 for sum and is refused for max/min by the host.

override WG: u32 = 64;
override OP: u32 = 0;

const OP_SUM = 0u;
const OP_MAX = 1u;
const OP_MIN = 2u;
const FLT_MAX = 3.40282346e38;

struct Params {
  outer: u32,
  r: u32,
  inner: u32,
  chunk: u32,
  nchunk: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

fn identity() -> f32 {
  switch OP {
    case OP_MAX: { return -FLT_MAX; }
    case OP_MIN: { return FLT_MAX; }
    default: { return 0.0; }
  }
}

fn combine(acc: f32, v: f32) -> f32 {
  switch OP {
    case OP_MAX: { return max(acc, v); }
    case OP_MIN: { return min(acc, v); }
    default: { return acc + v; }
  }
}

fn finish(v: f32) -> f32 {
  return select(v, v * params.scale, OP == OP_SUM);
}

@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = wg.x + wg.y * nwg.x;
  let live = row < params.outer * params.nchunk;
  let o = row / max(params.nchunk, 1u);
  let c = row % max(params.nchunk, 1u);
  let start = c * params.chunk;
  let stop = min(params.r, start + params.chunk);
  var acc = identity();
  if (live) {
    for (var k = start + lane; k < stop; k += WG) {
      acc = combine(acc, x[o * params.r + k]);
    }
  }
  partial[lane] = acc;
  workgroupBarrier();
  for (var step = WG / 2u; step > 0u; step /= 2u) {
    if (lane < step) { partial[lane] = combine(partial[lane], partial[lane + step]); }
    workgroupBarrier();
  }
  if (live && lane == 0u) { out[row] = finish(partial[0]); }
}

@compute @workgroup_size(WG)
fn reduce_columns(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= params.outer * params.nchunk * params.inner) { return; }
  let i = idx % params.inner;
  let t = idx / params.inner;
  let c = t % params.nchunk;
  let o = t / params.nchunk;
  let start = c * params.chunk;
  let stop = min(params.r, start + params.chunk);
  var acc = identity();
  for (var k = start; k < stop; k++) {
    acc = combine(acc, x[(o * params.r + k) * params.inner + i]);
  }
  out[idx] = finish(acc);
}

// softmax.wgsl — softmax and log-softmax along the middle axis of x viewed as [outer, n, inner].
//
// softmax_forward:  x [outer, n, inner] (read) → y (read_write, same layout)
//   LOG = 0: y = exp(x − m) / Σ exp(x − m);  LOG = 1: y = (x − m) − log Σ exp(x − m),
//   m the row maximum.
// softmax_backward: ys (the forward output, read), dy (read) → dx (read_write)
//   LOG = 0: dx = y · (dy − Σ dy·y);  LOG = 1: dx = dy − exp(y) · Σ dy.
//
// Dispatch: one invocation per row (o, i), i.e. outer · inner invocations in workgroups of
// WG; row elements sit `inner` apart, so neighbouring invocations read neighbouring addresses
// when inner > 1. Grids beyond 65,535 workgroups fold into y (linear index
// gid.x + gid.y · nwg.x · WG). No workgroup memory or barriers (slow on lavapipe,
// docs/engine.md#performance).
// A few very long rows leave most lanes idle (softmax of [4, 100003]: ~4 ms on lavapipe, where
// the chunked logsumexp of src/ops/reduce.ts takes ~1 ms); a split-row variant would help
// only such shapes, which this project does not have.
// The forward reads each row twice: one online pass keeps the running max m and
// s = Σ exp(x − m) (in blocks of BLOCK elements), then a writing pass.
// Numerics: every exp argument is ≤ 0, so nothing overflows (rows of ±1e4 are fine); arguments
// below −87 give exactly 0 (no denormals, which lavapipe runs 10× slower). s ≥ 1, so the
// division and the log are safe. The host never dispatches a row of length 0.

override WG: u32 = 64;
override LOG: u32 = 0;

// Longest serial f32 sum before a block total is folded in (accuracy, not speed).
const BLOCK = 256u;

struct Params {
  outer: u32,
  n: u32,
  inner: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> ys: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

fn safe_exp(v: f32) -> f32 {
  return select(exp(max(v, -87.0)), 0.0, v < -87.0);
}

// Offset of the first element of row `id` (rows are (o, i) pairs, i fastest).
fn row_base(id: u32) -> u32 {
  return (id / params.inner) * params.n * params.inner + id % params.inner;
}

fn row_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Running (max m, Σ exp(v − m)) of one block of a row: exp(−|v − m|) serves both the case
// v > m (rescale the old sum) and v ≤ m (add a term), so one exp per element.
fn block_stats(base: u32, k0: u32, k1: u32) -> vec2f {
  var m = x[base + k0 * params.inner];
  var s = 1.0;
  for (var k = k0 + 1u; k < k1; k++) {
    let v = x[base + k * params.inner];
    let d = v - m;
    let e = safe_exp(-abs(d));
    s = select(s + e, s * e + 1.0, d > 0.0);
    m = max(m, v);
  }
  return vec2f(m, s);
}

// Combines two (max, sum) pairs.
fn merge_stats(a: vec2f, b: vec2f) -> vec2f {
  let d = b.x - a.x;
  let e = safe_exp(-abs(d));
  return select(vec2f(a.x, a.y + b.y * e), vec2f(b.x, a.y * e + b.y), d > 0.0);
}

// (max, Σ exp(x − max)) of a row, summed in blocks so that no f32 sum runs longer than BLOCK
// terms plus n/BLOCK block sums (a 100k-long serial sum drifts by ~1e-4 relative).
fn row_stats(base: u32) -> vec2f {
  var t = block_stats(base, 0u, min(params.n, BLOCK));
  for (var k0 = BLOCK; k0 < params.n; k0 += BLOCK) {
    t = merge_stats(t, block_stats(base, k0, min(params.n, k0 + BLOCK)));
  }
  return t;
}

@compute @workgroup_size(WG)
fn softmax_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = row_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let base = row_base(id);
  let st = params.inner;
  let t = row_stats(base);
  if (LOG == 1u) {
    // (x − m) − log s, not x − (m + log s): the latter loses log s against a large m.
    let ls = log(t.y);
    for (var k = 0u; k < params.n; k++) {
      let p = base + k * st;
      y[p] = (x[p] - t.x) - ls;
    }
  } else {
    let inv = 1.0 / t.y;
    for (var k = 0u; k < params.n; k++) {
      let p = base + k * st;
      y[p] = safe_exp(x[p] - t.x) * inv;
    }
  }
}

@compute @workgroup_size(WG)
fn softmax_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = row_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let base = row_base(id);
  let st = params.inner;
  // t = Σ dy·y (softmax) or Σ dy (log-softmax), in blocks like row_stats.
  var t = 0.0;
  for (var k0 = 0u; k0 < params.n; k0 += BLOCK) {
    var b = 0.0;
    for (var k = k0; k < min(params.n, k0 + BLOCK); k++) {
      let p = base + k * st;
      if (LOG == 1u) { b += dy[p]; } else { b += dy[p] * ys[p]; }
    }
    t += b;
  }
  for (var k = 0u; k < params.n; k++) {
    let p = base + k * st;
    if (LOG == 1u) {
      dx[p] = dy[p] - safe_exp(ys[p]) * t;
    } else {
      dx[p] = ys[p] * (dy[p] - t);
    }
  }
}

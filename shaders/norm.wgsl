// norm.wgsl — batch normalisation over [N, C, L] (L = H·W, or 1 for [N, C]) and layer
// normalisation over the last axis of [R, D], forward and full analytic backward.
//
// Batch norm, per channel c over its M = N·L values (m = n·L + l at n·C·L + c·L + l):
//   batch_norm_partial   x → part [C, P, 4]: (count, mean, M2, 0) of chunk p (CHUNK values)
//   batch_norm_stats     part, weight [C], bias [C], running_mean/var [C] (read_write)
//                        → stats [C, 4] = (mean, w·invstd, b, invstd). TRAIN = 1 merges the
//                        chunks and updates the running stats in place (unbiased variance);
//                        TRAIN = 0 takes the running stats and leaves them alone.
//   batch_norm_forward   x, stats → y = (x − mean)·w·invstd + b          (E elements/invocation)
//   batch_norm_backward_partial  dy, x, stats → part [C, P, 4]: (Σ dy, Σ dy·x̂, 0, 0)
//   batch_norm_backward_stats    part → coef [C, 4] = (Σ dy / M, Σ dy·x̂ / M, 0, 0),
//                        dweight [C] = Σ dy·x̂, dbias [C] = Σ dy
//   batch_norm_backward  dy, x, stats, coef → dx = w·invstd·(dy − Σdy/M − x̂·Σdy·x̂/M)
//                        (TRAIN = 1; the batch statistics depend on x) or w·invstd·dy (TRAIN = 0)
//   count_increment      counter [1] (i32) += 1   (num_batches_tracked)
// Layer norm, one invocation per row of D values:
//   layer_norm_forward   x, weight [D], bias [D] → y, rowstats [R, 2] = (mean, rstd)
//   layer_norm_backward  dy, x, weight, rowstats_in → dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w
//   layer_norm_backward_params dy, x, rowstats_in → dweight [D] = Σ_r dy·x̂, dbias [D] = Σ_r dy
//                        (one invocation per column; rows are few in this project)
//
// Dispatch: one invocation per (channel, chunk), channel, element group, row or column, in
// workgroups of WG; grids beyond 65,535 workgroups fold into y (index gid.x + gid.y·nwg.x·WG).
// No workgroup memory or barriers (slow on lavapipe, docs/engine.md#performance).
// Numerics: means are shifted sums (x₀ + Σ(x − x₀)/n, x₀ the first value), so an offset of
// 1e3 costs no digits; variances are two-pass Σ(x − mean)² inside a chunk or row, and chunks
// merge with Chan et al.'s pairwise formula. Serial f32 sums run at most CHUNK (or D) terms.
// The host never dispatches M = 0; it refuses training with M = 1 as PyTorch does, so the
// unbiased factor M/(M − 1) is finite.

override WG: u32 = 64;
override E: u32 = 4;
override TRAIN: u32 = 1;

struct Params {
  n: u32,
  c: u32,
  l: u32,
  chunk: u32,
  parts: u32,
  eps: f32,
  momentum: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> part_in: array<vec4f>;
@group(0) @binding(5) var<storage, read> stats_in: array<vec4f>;
@group(0) @binding(6) var<storage, read> coef_in: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> part: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> stats: array<vec4f>;
@group(0) @binding(9) var<storage, read_write> coef: array<vec4f>;
@group(0) @binding(10) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(11) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(12) var<storage, read_write> y: array<f32>;
@group(0) @binding(13) var<storage, read_write> dx: array<f32>;
@group(0) @binding(14) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(15) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(16) var<storage, read_write> rowstats: array<vec2f>;
@group(0) @binding(17) var<storage, read_write> counter: array<i32>;
@group(0) @binding(18) var<storage, read> rowstats_in: array<vec2f>;
@group(0) @binding(19) var<uniform> params: Params;

// Longest serial f32 sum over rows before a block total is folded in (accuracy, not speed).
const BLOCK = 256u;

fn linear_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Address of value m of channel c (m = n·L + l).
fn bn_addr(c: u32, m: u32) -> u32 {
  return (m / params.l) * params.c * params.l + c * params.l + m % params.l;
}

@compute @workgroup_size(WG)
fn batch_norm_partial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.c * params.parts) { return; }
  let c = id / params.parts;
  let m0 = (id % params.parts) * params.chunk;
  let m1 = min(m0 + params.chunk, params.n * params.l);
  if (m0 >= m1) { part[id] = vec4f(0.0); return; }
  let x0 = x[bn_addr(c, m0)];
  var s = 0.0;
  for (var m = m0; m < m1; m++) { s += x[bn_addr(c, m)] - x0; }
  let cnt = f32(m1 - m0);
  let mean = x0 + s / cnt;
  var m2 = 0.0;
  for (var m = m0; m < m1; m++) { let d = x[bn_addr(c, m)] - mean; m2 += d * d; }
  part[id] = vec4f(cnt, mean, m2, 0.0);
}

// Chan et al.: merges (count, mean, M2) of two disjoint sets.
fn merge(a: vec4f, b: vec4f) -> vec4f {
  let n = a.x + b.x;
  if (b.x == 0.0) { return a; }
  let d = b.y - a.y;
  let f = b.x / n;
  return vec4f(n, a.y + d * f, a.z + b.z + d * d * a.x * f, 0.0);
}

@compute @workgroup_size(WG)
fn batch_norm_stats(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_id(gid, nwg);
  if (c >= params.c) { return; }
  var mean = running_mean[c];
  var v = running_var[c];
  if (TRAIN == 1u) {
    var t = part_in[c * params.parts];
    for (var p = 1u; p < params.parts; p++) { t = merge(t, part_in[c * params.parts + p]); }
    mean = t.y;
    v = t.z / t.x;
    // PyTorch: the running variance takes the unbiased estimate M2 / (M − 1).
    let k = params.momentum;
    running_mean[c] = (1.0 - k) * running_mean[c] + k * mean;
    running_var[c] = (1.0 - k) * running_var[c] + k * t.z / max(t.x - 1.0, 1.0);
  }
  let invstd = inverseSqrt(v + params.eps);
  stats[c] = vec4f(mean, weight[c] * invstd, bias[c], invstd);
}

@compute @workgroup_size(WG)
fn batch_norm_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = linear_id(gid, nwg) * E;
  let total = params.n * params.c * params.l;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= total) { return; }
    let s = stats_in[(i / params.l) % params.c];
    y[i] = (x[i] - s.x) * s.y + s.z;
  }
}

@compute @workgroup_size(WG)
fn batch_norm_backward_partial(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.c * params.parts) { return; }
  let c = id / params.parts;
  let m0 = (id % params.parts) * params.chunk;
  let m1 = min(m0 + params.chunk, params.n * params.l);
  let s = stats_in[c];
  var g = 0.0;
  var gx = 0.0;
  for (var m = m0; m < m1; m++) {
    let a = bn_addr(c, m);
    let d = dy[a];
    g += d;
    gx += d * (x[a] - s.x) * s.w;
  }
  part[id] = vec4f(g, gx, 0.0, 0.0);
}

@compute @workgroup_size(WG)
fn batch_norm_backward_stats(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = linear_id(gid, nwg);
  if (c >= params.c) { return; }
  var t = vec4f(0.0);
  for (var p = 0u; p < params.parts; p++) { t += part_in[c * params.parts + p]; }
  dbias[c] = t.x;
  dweight[c] = t.y;
  let inv_m = 1.0 / f32(params.n * params.l);
  coef[c] = vec4f(t.x * inv_m, t.y * inv_m, 0.0, 0.0);
}

@compute @workgroup_size(WG)
fn batch_norm_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = linear_id(gid, nwg) * E;
  let total = params.n * params.c * params.l;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= total) { return; }
    let c = (i / params.l) % params.c;
    let s = stats_in[c];
    if (TRAIN == 1u) {
      let k = coef_in[c];
      dx[i] = s.y * (dy[i] - k.x - (x[i] - s.x) * s.w * k.y);
    } else {
      dx[i] = s.y * dy[i];
    }
  }
}

@compute @workgroup_size(1)
fn count_increment() {
  counter[0] = counter[0] + 1;
}

// Row r of [R, D]: (mean, rstd) with a shifted sum and a centred second pass.
fn row_stats(r: u32) -> vec2f {
  let d = params.l;
  let base = r * d;
  let x0 = x[base];
  var s = 0.0;
  for (var k = 0u; k < d; k++) { s += x[base + k] - x0; }
  let mean = x0 + s / f32(d);
  var m2 = 0.0;
  for (var k = 0u; k < d; k++) { let v = x[base + k] - mean; m2 += v * v; }
  return vec2f(mean, inverseSqrt(m2 / f32(d) + params.eps));
}

@compute @workgroup_size(WG)
fn layer_norm_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_id(gid, nwg);
  if (r >= params.n) { return; }
  let st = row_stats(r);
  rowstats[r] = st;
  let base = r * params.l;
  for (var k = 0u; k < params.l; k++) {
    y[base + k] = (x[base + k] - st.x) * st.y * weight[k] + bias[k];
  }
}

@compute @workgroup_size(WG)
fn layer_norm_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_id(gid, nwg);
  if (r >= params.n) { return; }
  let ms = rowstats_in[r];
  let base = r * params.l;
  var g = 0.0;
  var gx = 0.0;
  for (var k = 0u; k < params.l; k++) {
    let gk = dy[base + k] * weight[k];
    g += gk;
    gx += gk * (x[base + k] - ms.x) * ms.y;
  }
  let inv_d = 1.0 / f32(params.l);
  for (var k = 0u; k < params.l; k++) {
    let xh = (x[base + k] - ms.x) * ms.y;
    dx[base + k] = ms.y * (dy[base + k] * weight[k] - g * inv_d - xh * gx * inv_d);
  }
}

@compute @workgroup_size(WG)
fn layer_norm_backward_params(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let k = linear_id(gid, nwg);
  if (k >= params.l) { return; }
  var g = 0.0;
  var gx = 0.0;
  for (var r0 = 0u; r0 < params.n; r0 += BLOCK) {
    var bg = 0.0;
    var bgx = 0.0;
    for (var r = r0; r < min(params.n, r0 + BLOCK); r++) {
      let ms = rowstats_in[r];
      let a = r * params.l + k;
      let d = dy[a];
      bg += d;
      bgx += d * (x[a] - ms.x) * ms.y;
    }
    g += bg;
    gx += bgx;
  }
  dbias[k] = g;
  dweight[k] = gx;
}

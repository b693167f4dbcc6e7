// loss.wgsl — cross-entropy of class logits against integer targets, fused with its log-softmax.
//
// logits [N, C, D] (read; D = d1·d2·… for PyTorch's [N, C, d1, …] layout, 1 for [N, C]),
// targets [N, D] i32 (read). A row is one (n, d) pair: its C logits sit D apart.
// cross_entropy_forward → loss [N·D], stats [N·D, 2], valid [N·D] (read_write):
//   stats = (m, log Σ_c exp(x_c − m)), m the row max, kept for the backward; valid = 1 when t ≠ ignore_index and 0 ≤ t < C, else 0;
//   loss = (1 − ε)(lse − x_t) + ε(lse − mean_c x_c) on valid rows, 0 on the others
//   (ε = label smoothing; PyTorch's definition). The host sums loss (and valid for a mean).
// cross_entropy_backward: logits, targets, stats (the forward's, read), g (read) → dx [N, C, D]:
//   dx_c = g_row · (exp(x_c − m − log s) − (1 − ε)[c = t] − ε/C) on valid rows, 0 on the others;
//   g_row = g[row · g_stride]: g_stride 0 broadcasts one value (dy, or dy / count for a mean).
//
// Out-of-range targets cannot raise an error from a shader: they are treated like ignored rows
// (loss 0, no gradient, not counted in a mean). src/ops/loss.ts documents this and offers
// checkTargets(), which reads the targets back, for callers whose targets may be bad.
// Dispatch: one invocation per row in workgroups of WG, grids beyond 65,535 workgroups fold
// into y. No workgroup memory (barriers are slow on lavapipe, docs/engine.md#performance).
// Numerics: as softmax.wgsl (running max, one exp per element, exp arguments ≤ 0, below −87
// flushed to 0, sums in blocks of BLOCK terms); lse − x_t is formed as (m − x_t) + log s and
// the softmax as exp((x − m) − log s), never through a rounded lse, so both keep their precision
// when the logits are large (±1e4); Σ x_c is accumulated as Σ (x_c − x_0).

override WG: u32 = 64;

// Longest serial f32 sum before a block total is folded in (accuracy, not speed).
const BLOCK = 256u;

struct Params {
  outer: u32,
  n: u32,
  inner: u32,
  ignore_index: i32,
  smoothing: f32,
  g_stride: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<i32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> valid: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;

fn safe_exp(v: f32) -> f32 {
  return select(exp(max(v, -87.0)), 0.0, v < -87.0);
}

fn row_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Offset of the first logit of row `id` (rows are (n, d) pairs, d fastest).
fn row_base(id: u32) -> u32 {
  return (id / params.inner) * params.n * params.inner + id % params.inner;
}

// The row's target when it counts, else −1.
fn target_of(id: u32) -> i32 {
  let t = targets[id];
  let ok = t != params.ignore_index && t >= 0 && u32(t) < params.n;
  return select(-1, t, ok);
}

// (running max m, Σ exp(x − m), Σ (x − x0)) over classes [k0, k1) of a row.
fn block_stats(base: u32, k0: u32, k1: u32, x0: f32) -> vec3f {
  var m = logits[base + k0 * params.inner];
  var s = 1.0;
  var sx = m - x0;
  for (var k = k0 + 1u; k < k1; k++) {
    let v = logits[base + k * params.inner];
    let d = v - m;
    let e = safe_exp(-abs(d));
    // v > m: rescale the sum to the new max; otherwise add exp(v − m).
    s = select(s + e, s * e + 1.0, d > 0.0);
    m = max(m, v);
    sx += v - x0;
  }
  return vec3f(m, s, sx);
}

fn merge_stats(a: vec3f, b: vec3f) -> vec3f {
  let d = b.x - a.x;
  let e = safe_exp(-abs(d));
  let ms = select(vec2f(a.x, a.y + b.y * e), vec2f(b.x, a.y * e + b.y), d > 0.0);
  return vec3f(ms, a.z + b.z);
}

@compute @workgroup_size(WG)
fn cross_entropy_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = row_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let base = row_base(id);
  let x0 = logits[base];
  var st = block_stats(base, 0u, min(params.n, BLOCK), x0);
  for (var k0 = BLOCK; k0 < params.n; k0 += BLOCK) {
    st = merge_stats(st, block_stats(base, k0, min(params.n, k0 + BLOCK), x0));
  }
  let ls = log(st.y);
  stats_out[2u * id] = st.x;
  stats_out[2u * id + 1u] = ls;
  let t = target_of(id);
  if (t < 0) {
    loss[id] = 0.0;
    valid[id] = 0.0;
    return;
  }
  let xt = logits[base + u32(t) * params.inner];
  let nll = (st.x - xt) + ls;
  // lse − mean x = (m − x0) − Σ(x − x0)/C + log s
  let uniform_nll = (st.x - x0) - st.z / f32(params.n) + ls;
  let eps = params.smoothing;
  loss[id] = (1.0 - eps) * nll + eps * uniform_nll;
  valid[id] = 1.0;
}

@compute @workgroup_size(WG)
fn cross_entropy_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = row_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let base = row_base(id);
  let t = target_of(id);
  let gr = select(g[id * params.g_stride], 0.0, t < 0);
  let m = stats[2u * id];
  let ls = stats[2u * id + 1u];
  let eps = params.smoothing;
  let off = eps / f32(params.n);
  for (var k = 0u; k < params.n; k++) {
    let p = base + k * params.inner;
    let hit = select(0.0, 1.0 - eps, i32(k) == t);
    dx[p] = gr * (safe_exp((logits[p] - m) - ls) - hit - off);
  }
}

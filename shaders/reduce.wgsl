// reduce.wgsl — reductions along the middle axis of x viewed as [outer, r, inner].
//
// reduce_forward: x [outer, r, inner] (read) → out [outer, nchunk, inner] (read_write).
//   OP sum, max, min, sumsq (Σ v², the first pass of a variance) or lse (log Σ exp v).
//   The axis is cut into nchunk chunks of `chunk` elements; each invocation reduces one
//   (outer, chunk, inner) walking its chunk with stride `inner` (consecutive invocations read
//   consecutive addresses when inner > 1; a contiguous row when inner = 1). The last pass
//   multiplies by params.scale (1/N for a mean). src/ops/reduce.ts runs further passes over
//   the chunk results (sum of sums, max of maxes, lse of lses: each op is associative) and
//   reduces separate groups of axes as successive passes.
// reduce_forward_wide: the same for inner > 1 (not lse) with four neighbouring outputs along
//   inner per invocation, so ceil(inner / 4) · outer · nchunk invocations.
// argreduce_forward: x → idx [outer, nchunk, inner] (i32, read_write): the index along r of
//   the max (OP max) or min (OP min) of each chunk, the first one on ties (PyTorch).
// argreduce_merge: x, part [outer, nchunk, inner] (i32, read) → idx [outer, inner]: the best
//   of the chunk winners, reading their values again from x; chunks are visited in order, so
//   the first index still wins a tie.
// moments_forward: x → out [outer, nchunk, inner, 3]: each chunk's mean and Σ (x − mean)²
//   (two passes over the chunk), both of the data shifted by the row's first element K, and K.
//   moments_merge: those triples (bound as x) → out [outer, inner]
//   = scale · Σ (x − mean)² (the variance for scale 1/(N − correction)) and aux [outer, inner]
//   = the mean, merging chunks with Chan et al.'s update (stable, no E[x²] − E[x]²).
// moments_backward: x, dy [outer, inner], center (the mean) → out [outer, r, inner]
//   = dy · (x − mean) · scale (scale = 2/(N − correction)): the variance's gradient.
//
// Why serial per invocation, not a workgroup tree: on lavapipe a barrier costs ~33 ns per
// 8 lanes and every storage load is a per-lane scalar load anyway
// (docs/engine.md#performance), so a workgroup per row was ~300× slower on many short rows
// (sum of [70001, 3] over axis 1: 510 ms against 1.6 ms); the host splits long axes into
// chunks instead, so that enough invocations run.
// Dispatch: one invocation per output (per four for the wide entry), workgroups of WG;
// grids beyond 65,535 workgroups fold into y (linear index gid.x + gid.y · nwg.x · WG).
// Numerics: f32 sums run in four independent chains (interleaved along r, or one per column
// for the wide entry) within a chunk of at most MAX_CHUNK elements (src/ops/reduce.ts), so no
// serial sum runs long enough to drift. lse keeps a running max m and s = Σ exp(v − m) (one
// exp per element: exp(−|v − m|) serves both cases), so no exp overflows, and exp arguments
// below −87 give 0 (no denormals). The host refuses empty axes for max, min, lse and the arg
// reductions (no ±Inf in shaders, docs/engine.md#numerics); a sum of nothing is 0.

override WG: u32 = 64;
override OP: u32 = 0;
// Elements per invocation of moments_backward.
override E: u32 = 8;

const OP_SUM = 0u;
const OP_MAX = 1u;
const OP_MIN = 2u;
const OP_SUMSQ = 3u;
const OP_LSE = 4u;

struct Params {
  outer: u32,
  r: u32,
  inner: u32,
  chunk: u32,
  nchunk: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<i32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> center: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> idx: array<i32>;
@group(0) @binding(6) var<storage, read_write> aux: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

fn safe_exp(v: f32) -> f32 {
  return select(exp(max(v, -87.0)), 0.0, v < -87.0);
}

// The output handled by invocation `id` of [outer, nchunk, inner]: x offset of its first
// element (stride params.inner) and its element range [start, stop) along r.
struct Slice {
  base: u32,
  start: u32,
  stop: u32,
}

fn slice_of(id: u32) -> Slice {
  let i = id % params.inner;
  let t = id / params.inner;
  let c = t % params.nchunk;
  let o = t / params.nchunk;
  let start = c * params.chunk;
  return Slice(o * params.r * params.inner + i, start, min(params.r, start + params.chunk));
}

fn linear_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// log Σ exp over the slice (the slice is never empty: the host refuses empty axes).
fn lse_slice(s: Slice) -> f32 {
  var m = x[s.base + s.start * params.inner];
  var acc = 1.0;
  for (var k = s.start + 1u; k < s.stop; k++) {
    let v = x[s.base + k * params.inner];
    let d = v - m;
    let e = safe_exp(-abs(d));
    // v > m: rescale the old sum to the new max; otherwise add exp(v − m).
    acc = select(acc + e, acc * e + 1.0, d > 0.0);
    m = max(m, v);
  }
  return m + log(acc);
}

// acc ⊕ v elementwise: max, min, + v², or + v.
fn fold(acc: vec4f, v: vec4f) -> vec4f {
  switch OP {
    case OP_MAX: { return max(acc, v); }
    case OP_MIN: { return min(acc, v); }
    case OP_SUMSQ: { return acc + v * v; }
    default: { return acc + v; }
  }
}

// Combines two partial results (for sumsq they are sums already).
fn merge(a: f32, b: f32) -> f32 {
  switch OP {
    case OP_MAX: { return max(a, b); }
    case OP_MIN: { return min(a, b); }
    default: { return a + b; }
  }
}

// Four independent accumulators, four loads per iteration: ~25% faster than one chain in a
// same-run comparison on lavapipe ([21025, 200] over axis 0).
fn fold_slice(s: Slice) -> f32 {
  let st = params.inner;
  var k = s.start;
  var p = s.base + k * st;
  // max/min start from the first element (x ⊕ x = x); sums from 0.
  var a4 = vec4f(0.0);
  if (OP == OP_MAX || OP == OP_MIN) { a4 = vec4f(x[p]); }
  for (; k + 4u <= s.stop; k += 4u) {
    a4 = fold(a4, vec4f(x[p], x[p + st], x[p + 2u * st], x[p + 3u * st]));
    p += 4u * st;
  }
  for (; k < s.stop; k++) {
    a4.x = fold(a4, vec4f(x[p])).x;
    p += st;
  }
  return merge(merge(a4.x, a4.y), merge(a4.z, a4.w));
}

@compute @workgroup_size(WG)
fn reduce_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.outer * params.nchunk * params.inner) { return; }
  let s = slice_of(id);
  if (OP == OP_LSE) {
    out[id] = lse_slice(s);
  } else if (OP == OP_MAX || OP == OP_MIN) {
    out[id] = fold_slice(s);
  } else {
    out[id] = fold_slice(s) * params.scale;
  }
}

// Four neighbouring outputs (i0 … i0 + 3 along inner) per invocation, for inner > 1: the
// index arithmetic and loop overhead of an invocation are shared by four columns, which
// matters when r is short (the gradient of a broadcast over a small batch axis). Lanes past
// the end of the row re-read its last column and are not written. Not for lse.
@compute @workgroup_size(WG)
fn reduce_forward_wide(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  let groups = (params.inner + 3u) / 4u;
  if (id >= params.outer * params.nchunk * groups) { return; }
  let i0 = (id % groups) * 4u;
  let t = id / groups;
  let o = t / params.nchunk;
  let start = (t % params.nchunk) * params.chunk;
  let stop = min(params.r, start + params.chunk);
  let live = min(4u, params.inner - i0);
  let j = min(vec3u(1u, 2u, 3u), vec3u(live - 1u));
  var p = (o * params.r + start) * params.inner + i0;
  var a4 = vec4f(0.0);
  if (OP == OP_MAX || OP == OP_MIN) { a4 = vec4f(x[p], x[p + j.x], x[p + j.y], x[p + j.z]); }
  for (var k = start; k < stop; k++) {
    a4 = fold(a4, vec4f(x[p], x[p + j.x], x[p + j.y], x[p + j.z]));
    p += params.inner;
  }
  if (OP != OP_MAX && OP != OP_MIN) { a4 *= params.scale; }
  let q = t * params.inner + i0;
  out[q] = a4.x;
  if (live > 1u) { out[q + 1u] = a4.y; }
  if (live > 2u) { out[q + 2u] = a4.z; }
  if (live > 3u) { out[q + 3u] = a4.w; }
}

// True when v beats the best so far (strictly, so the first index wins a tie).
fn better(v: f32, best: f32) -> bool {
  return select((v < best), (v > best), OP == OP_MAX);
}

@compute @workgroup_size(WG)
fn argreduce_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.outer * params.nchunk * params.inner) { return; }
  let s = slice_of(id);
  var best = x[s.base + s.start * params.inner];
  var at = s.start;
  for (var k = s.start + 1u; k < s.stop; k++) {
    let v = x[s.base + k * params.inner];
    if (better(v, best)) {
      best = v;
      at = k;
    }
  }
  idx[id] = i32(at);
}

@compute @workgroup_size(WG)
fn argreduce_merge(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let i = id % params.inner;
  let o = id / params.inner;
  let base = o * params.r * params.inner + i;
  let first = (o * params.nchunk) * params.inner + i;
  var at = u32(part[first]);
  var best = x[base + at * params.inner];
  for (var c = 1u; c < params.nchunk; c++) {
    let k = u32(part[first + c * params.inner]);
    let v = x[base + k * params.inner];
    if (better(v, best)) {
      best = v;
      at = k;
    }
  }
  idx[id] = i32(at);
}

// Elements in chunk c of the axis.
fn chunk_len(c: u32) -> u32 {
  return min(params.chunk, params.r - c * params.chunk);
}

@compute @workgroup_size(WG)
fn moments_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.outer * params.nchunk * params.inner) { return; }
  let s = slice_of(id);
  // Shifted by the row's first element K: x − K is exact for nearby values, and means of
  // the shifted data are small, so their rounding does not limit the merge (a mean of 1000
  // would carry an ulp of 6e-5 into every chunk delta).
  let shift = x[s.base];
  var total = 0.0;
  for (var k = s.start; k < s.stop; k++) { total += x[s.base + k * params.inner] - shift; }
  let m = total / f32(s.stop - s.start);
  // Second pass over the (cache-hot, ≤ MAX_CHUNK) chunk: Σ (x − m)², no cancellation.
  var m2 = 0.0;
  for (var k = s.start; k < s.stop; k++) {
    let d = (x[s.base + k * params.inner] - shift) - m;
    m2 += d * d;
  }
  out[3u * id] = m;
  out[3u * id + 1u] = m2;
  out[3u * id + 2u] = shift;
}

@compute @workgroup_size(WG)
fn moments_merge(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.outer * params.inner) { return; }
  let first = (id / params.inner) * params.nchunk * params.inner + id % params.inner;
  var n = f32(chunk_len(0u));
  var m = x[3u * first];
  var m2 = x[3u * first + 1u];
  for (var c = 1u; c < params.nchunk; c++) {
    let q = 3u * (first + c * params.inner);
    // Chan et al.'s pairwise update of (count, mean, Σ squared deviations).
    let nb = f32(chunk_len(c));
    let delta = x[q] - m;
    let nab = n + nb;
    m += delta * nb / nab;
    m2 += x[q + 1u] + delta * delta * n * nb / nab;
    n = nab;
  }
  out[id] = m2 * params.scale;
  aux[id] = x[3u * first + 2u] + m;
}

// E consecutive elements per invocation, walking (o, k, i) with carries: integer division is
// scalarised on lavapipe (~50 cycles a lane), and one per element made this kernel 3× slower
// than an elementwise op.
@compute @workgroup_size(WG)
fn moments_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e0 = linear_id(gid, nwg) * E;
  let n = params.outer * params.r * params.inner;
  if (e0 >= n) { return; }
  var i = e0 % params.inner;
  let t = e0 / params.inner;
  var k = t % params.r;
  var oi = (t / params.r) * params.inner + i;
  for (var e = e0; e < min(n, e0 + E); e++) {
    out[e] = dy[oi] * (x[e] - center[oi]) * params.scale;
    i++;
    oi++;
    if (i == params.inner) {
      // Next k: back to the row's first output; past the last k, on to the next o.
      i = 0u;
      oi -= params.inner;
      k++;
      if (k == params.r) {
        k = 0u;
        oi += params.inner;
      }
    }
  }
}

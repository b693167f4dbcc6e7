// gather.wgsl — gather / index_select forward, and a deterministic scatter-add (no atomics)
// for scatter_add and the backward of gather and index_select (src/ops/gather.ts).
//
// Index tensors are read as i32 (a u32 index ≥ 2³¹ reads negative). An index outside
// [0, axis size) is never an error here (the host cannot see GPU data without a sync):
// gather/index_select write 0 for it, scatter-add skips it.
//
// gather_forward:       out [index shape] = x[c with c_axis ← index[c]]; out, x as u32 words.
//   GatherParams: shape = collapsed index shape, sx = x's element strides with the axis set
//   to 0, and the axis stride and size; the host merges axes where index and x agree.
//   KeyParams (scatter_keys) reuse the idea for the fibers: shape / si = the collapsed index
//   shape without the axis and its index strides, di = the index stride along the axis.
// index_select_forward: x [outer, size, inner], index [m] → out [outer, m, inner].
//
// Scatter-add: out [x shape] = base (or 0 when BASE = 0) + Σ src at the entries whose index
// targets the element. A fiber is the run of index entries along the axis that share their
// other coordinates; an output element can only receive from its own fiber, and adds its
// sources in ascending position along the fiber. Two ways, same order, same bits:
// scatter_scan:   each output element walks its fiber and adds the matches: O(out × fiber)
//   index loads, for short fibers. ScanParams per collapsed out axis: shape, lim (index extent:
//   coordinates ≥ lim have no entries), si / ss (index / src element strides; si is 0 along a
//   broadcast index, as in index_select's backward), sf (fiber-number strides, 0 on the axis),
//   `axis` (the scattered axis's position), `fiber` (its length), `size` and `seg` (below).
// scatter_keys → sort_step (× log²seg / 2) → scatter_bounds → scatter_sorted, for long fibers:
//   each fiber f owns a segment keys[f·seg, (f+1)·seg), seg = fiber length rounded up to a power
//   of two; keys = (index value, position k) sorted ascending per segment by a bitonic network
//   (positions are unique: a total order, so the result is unique); out-of-range indices and
//   the padding hold 0xffffffff and sort last. bounds[f·(size+1) + p] = the first key ≥ p in
//   segment f; output element (f, p) adds src at the positions of keys [bounds[t], bounds[t+1]).
//   O(F·seg·log²seg + out) for F fibers, instead of O(out × fiber).
// Dispatch: E elements (sort: E compare-exchanges) per invocation, WG lanes, grids fold into y.
// Numerics: f32 sums in a fixed order; identical on every run and device.

override WG: u32 = 64;
override E: u32 = 4;
override BASE: u32 = 1;

const INVALID = 0xffffffffu;

struct GatherParams {
  n: u32,
  rank: u32,
  axis_stride: u32,
  axis_size: u32,
  shape: array<vec4u, 2>,
  sx: array<vec4u, 2>,
}

struct SelectParams {
  n: u32,
  m: u32,
  size: u32,
  inner: u32,
}

struct ScanParams {
  n: u32,
  rank: u32,
  axis: u32,
  fiber: u32,
  seg: u32,
  size: u32,
  shape: array<vec4u, 2>,
  lim: array<vec4u, 2>,
  si: array<vec4u, 2>,
  ss: array<vec4u, 2>,
  sf: array<vec4u, 2>,
}

struct KeyParams {
  slots: u32,
  seg: u32,
  fiber: u32,
  size: u32,
  di: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  si: array<vec4u, 2>,
}

struct SortParams {
  half: u32,
  k: u32,
  j: u32,
  jlog: u32,
  mask: u32,
}

struct BoundsParams {
  n: u32,
  seg: u32,
  size: u32,
}

@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> index: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> base: array<f32>;
@group(0) @binding(4) var<storage, read> src: array<f32>;
@group(0) @binding(5) var<storage, read_write> sum: array<f32>;
@group(0) @binding(6) var<storage, read_write> keys: array<vec2u>;
@group(0) @binding(7) var<storage, read_write> bound: array<u32>;
@group(0) @binding(8) var<storage, read> sorted: array<vec2u>;
@group(0) @binding(9) var<storage, read> bounds: array<u32>;
@group(0) @binding(10) var<uniform> gparams: GatherParams;
@group(0) @binding(11) var<uniform> sparams: SelectParams;
@group(0) @binding(12) var<uniform> cparams: ScanParams;
@group(0) @binding(13) var<uniform> oparams: SortParams;
@group(0) @binding(14) var<uniform> kparams: KeyParams;
@group(0) @binding(15) var<uniform> bparams: BoundsParams;

fn at(v: array<vec4u, 2>, k: u32) -> u32 {
  return v[k / 4u][k % 4u];
}

@compute @workgroup_size(WG)
fn gather_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= gparams.n) { return; }
    var rem = i;
    var o = 0u;
    for (var d = gparams.rank; d > 0u; d--) {
      let size = at(gparams.shape, d - 1u);
      o += (rem % size) * at(gparams.sx, d - 1u);
      rem = rem / size;
    }
    let t = index[i];
    let ok = t >= 0 && u32(t) < gparams.axis_size;
    out[i] = select(0u, x[o + select(0u, u32(t), ok) * gparams.axis_stride], ok);
  }
}

@compute @workgroup_size(WG)
fn index_select_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  let inner = sparams.inner;
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= sparams.n) { return; }
    let row = i / inner;
    let t = index[row % sparams.m];
    let ok = t >= 0 && u32(t) < sparams.size;
    let o = ((row / sparams.m) * sparams.size + select(0u, u32(t), ok)) * inner + i % inner;
    out[i] = select(0u, x[o], ok);
  }
}

// Where output element i sits: (index offset of its fiber's start, src offset of the same,
// fiber number, position p along the axis); fiber number INVALID when it has no entries.
fn locate(i: u32) -> vec4u {
  var rem = i;
  var o = vec4u(0u);
  var inside = true;
  for (var d = cparams.rank; d > 0u; d--) {
    let k = d - 1u;
    let size = at(cparams.shape, k);
    let c = rem % size;
    rem = rem / size;
    if (k == cparams.axis) {
      o.w = c;
    } else {
      inside = inside && c < at(cparams.lim, k);
      o += vec4u(c * at(cparams.si, k), c * at(cparams.ss, k), c * at(cparams.sf, k), 0u);
    }
  }
  return select(vec4u(o.xy, INVALID, o.w), o, inside);
}

@compute @workgroup_size(WG)
fn scatter_scan(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  let di = at(cparams.si, cparams.axis);
  let ds = at(cparams.ss, cparams.axis);
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= cparams.n) { return; }
    let l = locate(i);
    let fiber = select(0u, cparams.fiber, l.z != INVALID);
    var acc = 0.0;
    for (var t = 0u; t < fiber; t++) {
      if (index[l.x + t * di] == i32(l.w)) { acc += src[l.y + t * ds]; }
    }
    sum[i] = select(0.0, base[i], BASE == 1u) + acc;
  }
}

// Slot s of segment f = s / seg holds (index value or INVALID, position k = s % seg).
@compute @workgroup_size(WG)
fn scatter_keys(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let s = gid.x + gid.y * nwg.x * WG;
  if (s >= kparams.slots) { return; }
  let k = s % kparams.seg;
  var rem = s / kparams.seg;
  var io = min(k, kparams.fiber - 1u) * kparams.di;
  for (var d = kparams.rank; d > 0u; d--) {
    let size = at(kparams.shape, d - 1u);
    io += (rem % size) * at(kparams.si, d - 1u);
    rem = rem / size;
  }
  let t = index[io];
  let ok = k < kparams.fiber && t >= 0 && u32(t) < kparams.size;
  keys[s] = vec2u(select(INVALID, u32(max(t, 0)), ok), k);
}

// E compare-exchanges (distance j = 2^jlog, stage k) of a bitonic sort, ascending by (x, y)
// within each segment: `mask` = seg − 1 keeps the last stage ascending in every segment.
@compute @workgroup_size(WG)
fn sort_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  for (var e = 0u; e < E; e++) {
    let t = first + e;
    if (t >= oparams.half) { return; }
    let lo = ((t >> oparams.jlog) << (oparams.jlog + 1u)) | (t & (oparams.j - 1u));
    let hi = lo + oparams.j;
    let a = keys[lo];
    let b = keys[hi];
    let greater = a.x > b.x || (a.x == b.x && a.y > b.y);
    let ascending = (lo & oparams.k & oparams.mask) == 0u;
    if (greater == ascending) {
      keys[lo] = b;
      keys[hi] = a;
    }
  }
}

// bound[f·(size+1) + p] = the first position in segment f whose key is ≥ p, for p in [0, size].
@compute @workgroup_size(WG)
fn scatter_bounds(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= bparams.n) { return; }
  let p = t % (bparams.size + 1u);
  let segment = (t / (bparams.size + 1u)) * bparams.seg;
  var lo = 0u;
  var hi = bparams.seg;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sorted[segment + mid].x < p) { lo = mid + 1u; } else { hi = mid; }
  }
  bound[t] = lo;
}

@compute @workgroup_size(WG)
fn scatter_sorted(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  let ds = at(cparams.ss, cparams.axis);
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= cparams.n) { return; }
    let l = locate(i);
    var acc = 0.0;
    if (l.z != INVALID) {
      let t = l.z * (cparams.size + 1u) + l.w;
      let segment = l.z * cparams.seg;
      for (var s = bounds[t]; s < bounds[t + 1u]; s++) {
        acc += src[l.y + sorted[segment + s].y * ds];
      }
    }
    sum[i] = select(0.0, base[i], BASE == 1u) + acc;
  }
}

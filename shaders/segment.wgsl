// segment.wgsl — pixels grouped by superpixel label (a CSR built once from fixed labels) and the
// segmented ops of online background pixel mining (OBPM, docs/superad.md#obpm); src/ops/segment.ts.
//
// Layouts: labels [N] i32 (N = H·W pixels, row-major); a label outside [0, S) belongs to no
// segment. keys [slots] vec2u, slots = N rounded up to a power of two. pixels [N] u32: pixel
// indices grouped by label ascending, ascending pixel index inside a group, out-of-range labels
// last. offsets [S + 1] u32: segment s owns pixels[offsets[s] .. offsets[s+1]).
//
// Build (segment_keys → segment_sort_step × log²(slots)/2 → segment_csr): keys = (label or
//   INVALID, pixel) sorted ascending by a bitonic network (a fixed, data-independent schedule of
//   disjoint compare-exchanges; keys are unique, so the result is unique: no atomics, no
//   dependence on thread scheduling); offsets by binary search of the sorted labels.
// OBPM (value_keys → segment_sort_step… → obpm_threshold → obpm_mask): keys = (segment or
//   INVALID, order-preserving bits of L) sorted, so each segment's values sit ascending at its
//   CSR range; one invocation per segment scans them once (a 7-entry register window of
//   differences) for the first argmax q of the 7-tap average and the threshold T_s; then one
//   invocation per pixel writes keep = L_p ≤ T_s (0 for pixels in no segment).
// Dispatch: one invocation per slot / pixel / segment (E compare-exchanges for the sort), WG
//   lanes, grids beyond 65,535 workgroups fold into y (gid.x + gid.y · nwg.x · WG).
// Numerics: the differences and 7-term sums are f32, each sum added in index order t = i−3 … i+3
//   (so windows that differ only by zero differences compare exactly equal, and ties go to the
//   first index like torch.argmax); the 1/7 factor is dropped (it does not move an argmax).
//   NaN losses are not supported (their order is undefined). Losses must be ≥ 0 (OBPM's are):
//   the reference code pads with zeros before its sort and only then replaces them by min v.

override WG: u32 = 64;
override E: u32 = 4;

const INVALID = 0xffffffffu;
// The "keep the whole superpixel" threshold of the reference code.
const KEEP_ALL = 1e4;

struct KeyParams {
  n: u32,
  slots: u32,
  segments: u32,
}

struct SortParams {
  half: u32,
  k: u32,
  j: u32,
  jlog: u32,
}

struct ObpmParams {
  n: u32,
  segments: u32,
  th_idx: f32,
}

@group(0) @binding(0) var<storage, read> labels: array<i32>;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> pixels_in: array<u32>;
@group(0) @binding(3) var<storage, read> offsets_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> keys: array<vec2u>;
@group(0) @binding(5) var<storage, read> sorted: array<vec2u>;
@group(0) @binding(6) var<storage, read_write> pixels: array<u32>;
@group(0) @binding(7) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(8) var<storage, read_write> threshold: array<f32>;
@group(0) @binding(9) var<storage, read_write> argmax: array<i32>;
@group(0) @binding(10) var<storage, read> threshold_in: array<f32>;
@group(0) @binding(11) var<storage, read_write> out: array<f32>;
@group(0) @binding(12) var<uniform> kparams: KeyParams;
@group(0) @binding(13) var<uniform> sparams: SortParams;
@group(0) @binding(14) var<uniform> oparams: ObpmParams;

fn linear(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// The segment of pixel p, or INVALID when its label is outside [0, segments).
fn segment_of(p: u32, segments: u32) -> u32 {
  let l = labels[p];
  return select(INVALID, u32(l), l >= 0 && u32(l) < segments);
}

// f32 bits → u32 with the same order (negatives flipped whole, positives get the sign bit).
fn order_bits(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn from_order_bits(u: u32) -> f32 {
  return bitcast<f32>(select(~u, u & 0x7fffffffu, (u & 0x80000000u) != 0u));
}

@compute @workgroup_size(WG)
fn segment_keys(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= kparams.slots) { return; }
  keys[i] = select(vec2u(INVALID), vec2u(segment_of(min(i, kparams.n - 1u), kparams.segments), i), i < kparams.n);
}

// E compare-exchanges (distance j = 2^jlog, stage k) of an ascending bitonic sort by (x, y).
@compute @workgroup_size(WG)
fn segment_sort_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = linear(gid, nwg) * E;
  for (var e = 0u; e < E; e++) {
    let t = first + e;
    if (t >= sparams.half) { return; }
    let lo = ((t >> sparams.jlog) << (sparams.jlog + 1u)) | (t & (sparams.j - 1u));
    let hi = lo + sparams.j;
    let a = keys[lo];
    let b = keys[hi];
    let greater = a.x > b.x || (a.x == b.x && a.y > b.y);
    if (greater == ((lo & sparams.k) == 0u)) {
      keys[lo] = b;
      keys[hi] = a;
    }
  }
}

// pixels[t] = the t-th sorted pixel; offsets[t] = the first sorted position with label ≥ t.
@compute @workgroup_size(WG)
fn segment_csr(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = linear(gid, nwg);
  if (t < kparams.n) { pixels[t] = sorted[t].y; }
  if (t > kparams.segments) { return; }
  var lo = 0u;
  var hi = kparams.n;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (sorted[mid].x < t) { lo = mid + 1u; } else { hi = mid; }
  }
  offsets[t] = lo;
}

// keys[i] = (segment of the i-th CSR pixel, order bits of its value); padding sorts last.
@compute @workgroup_size(WG)
fn segment_value_keys(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= kparams.slots) { return; }
  let p = pixels_in[min(i, kparams.n - 1u)];
  keys[i] = select(vec2u(INVALID), vec2u(segment_of(p, kparams.segments), order_bits(values[p])), i < kparams.n);
}

@compute @workgroup_size(WG)
fn segment_sorted_values(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear(gid, nwg);
  if (i >= kparams.n) { return; }
  out[i] = from_order_bits(sorted[i].y);
}

// Segment s: v = its sorted values (length m), d_t = v_t − v_{t−1} for 1 ≤ t < m, else 0;
// a_i = Σ_{t=i−3}^{i+3} d_t over the code form's index range i ∈ [−P, m−1], P = n − m (the
// reference sorts an n-long vector whose n − m extra entries equal min v). q = first argmax.
// a_i = 0 for every i ≤ −3, so the scan starts at max(−P, −3) and a maximum first met at −3
// is really first met at −P. T = v_max(q,0) (the extra entries equal v_0), or KEEP_ALL when
// q ≤ th_idx·m. Empty segments: q = −n, T = KEEP_ALL.
@compute @workgroup_size(WG)
fn obpm_threshold(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let s = linear(gid, nwg);
  if (s >= oparams.segments) { return; }
  let start = offsets_in[s];
  let m = i32(offsets_in[s + 1u] - start);
  if (m == 0) {
    argmax[s] = -i32(oparams.n);
    threshold[s] = KEEP_ALL;
    return;
  }
  let lo = max(m - i32(oparams.n), -3);
  // d[r] holds d_{i−3+r}; the window slides one difference per step.
  var d = array<f32, 7>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  var prev = from_order_bits(sorted[start].y);
  for (var t = 1; t <= lo + 3 && t < m; t++) {
    let v = from_order_bits(sorted[start + u32(t)].y);
    d[t - lo + 3] = v - prev;
    prev = v;
  }
  var best = -3.40282346e38;
  var q = lo;
  for (var i = lo; i < m; i++) {
    var a = 0.0;
    for (var r = 0; r < 7; r++) { a += d[r]; }
    if (a > best) { best = a; q = i; }
    for (var r = 0; r < 6; r++) { d[r] = d[r + 1]; }
    let t = i + 4;
    var next = 0.0;
    if (t >= 1 && t < m) {
      let v = from_order_bits(sorted[start + u32(t)].y);
      next = v - prev;
      prev = v;
    }
    d[6] = next;
  }
  if (q == -3) { q = m - i32(oparams.n); }
  let keep_all = f32(q) <= oparams.th_idx * f32(m);
  argmax[s] = q;
  threshold[s] = select(from_order_bits(sorted[start + u32(max(q, 0))].y), KEEP_ALL, keep_all);
}

@compute @workgroup_size(WG)
fn obpm_mask(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = linear(gid, nwg) * E;
  for (var e = 0u; e < E; e++) {
    let p = first + e;
    if (p >= oparams.n) { return; }
    let s = segment_of(p, oparams.segments);
    // A pixel in no segment is selected by no row of the reference code: its loss counts 0.
    out[p] = select(0.0, select(0.0, 1.0, values[p] <= threshold_in[min(s, oparams.segments - 1u)]), s != INVALID);
  }
}

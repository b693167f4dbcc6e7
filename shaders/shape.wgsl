// shape.wgsl — data movement for the shape ops (src/ops/shape.ts): permute, slice, concat, pad.
//
// Copies move 32-bit words (array<u32>), so they serve every dtype (f32, i32, u32) unchanged;
// only pad_backward adds and reads f32.
//
// strided_forward:   out[i] = x[base + Σ c_d · stride_d]     (gather; c = coordinates of i in shape)
//                    permute, slice, and the backward of concat and constant pad.
// place_forward:     out[base + Σ c_d · stride_d] = x[i]     (scatter into a window; concat)
//   Params: shape[0 .. rank) row-major (rank ≥ 1, at most 8, collapsed by the host), stride
//   as signed element strides (a negative slice step walks backwards), base ≥ 0.
// transpose_forward: x [batch, rows, cols] → out [batch, cols, rows] (the permute fast path,
//                    e.g. [B, C, H·W] ↔ [B, H·W, C]); one T×T tile per invocation, full
//                    tiles with constant trip counts (unrolled), edge tiles clipped.
// transpose4_forward: the same when rows and cols are multiples of 4: a 4×4 tile is four
//                    vec4 loads, a register transpose and four vec4 stores (x4 / out4 view the
//                    same words); fewer, wider accesses run ~1.4× faster on lavapipe.
// pad_forward:       out [shape] from x [src]: per axis, q = c − lo; constant mode (MODE 0) reads
//                    x at q / step when step divides q and 0 ≤ q / step < src, else writes
//                    `value` (bit pattern); reflect mode (MODE 1, step 1) mirrors q into [0, src)
//                    without repeating the edge (PyTorch 'reflect', needs pad < src).
//                    Also the backward of slice: dx = dy scattered into zeros (lo = start).
// pad_backward:      reflect backward along one axis: dy [outer, m, inner] → dx [outer, s, inner],
//                    m = lo + s + hi; each dx element adds its ≤ 3 sources (direct, left
//                    mirror, right mirror) in that fixed order: deterministic, no atomics.
//
// Dispatch: strided/place/pad/pad_backward take E consecutive elements per invocation (the
// host picks E = 16 for strided/place/pad: the index decomposition is the expensive part, and
// they decompose the first index once, then step along the innermost axis, decomposing again
// only when a row wraps: per element one load, one store, a few adds). Workgroups of
// WG; grids beyond 65,535 workgroups fold into y (linear id gid.x + gid.y · nwg.x · WG).
// Offsets are 32-bit: tensors stay below 2³¹ elements (the 128 MiB binding limit is far lower).

override WG: u32 = 64;
override E: u32 = 4;
override T: u32 = 4;
override MODE: u32 = 0;

const MODE_CONSTANT = 0u;
const MODE_REFLECT = 1u;

struct Params {
  n: u32,
  rank: u32,
  base: i32,
  shape: array<vec4u, 2>,
  stride: array<vec4i, 2>,
}

struct TransposeParams {
  tiles: u32,
  rows: u32,
  cols: u32,
}

struct PadParams {
  n: u32,
  rank: u32,
  value: u32,
  shape: array<vec4u, 2>,
  lo: array<vec4i, 2>,
  step: array<vec4i, 2>,
  src: array<vec4u, 2>,
}

struct AxisParams {
  n: u32,
  m: u32,
  s: u32,
  inner: u32,
  lo: u32,
  hi: u32,
}

@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> tparams: TransposeParams;
@group(0) @binding(6) var<uniform> pparams: PadParams;
@group(0) @binding(7) var<uniform> aparams: AxisParams;
@group(0) @binding(8) var<storage, read> x4: array<vec4u>;
@group(0) @binding(9) var<storage, read_write> out4: array<vec4u>;

fn dim(k: u32) -> u32 {
  return params.shape[k / 4u][k % 4u];
}

fn stride(k: u32) -> i32 {
  return params.stride[k / 4u][k % 4u];
}

// base + Σ c_d · stride_d for the row-major coordinates c of element i.
fn window_offset(i: u32) -> i32 {
  var rem = i;
  var o = params.base;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let size = dim(k);
    o += i32(rem % size) * stride(k);
    rem = rem / size;
  }
  return o;
}

@compute @workgroup_size(WG)
fn strided_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  if (first >= params.n) { return; }
  let inner = dim(params.rank - 1u);
  let step = stride(params.rank - 1u);
  var col = first % inner;
  var o = window_offset(first);
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= params.n) { return; }
    if (col == inner) {
      col = 0u;
      o = window_offset(i);
    }
    out[i] = x[u32(o)];
    col++;
    o += step;
  }
}

@compute @workgroup_size(WG)
fn place_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  if (first >= params.n) { return; }
  let inner = dim(params.rank - 1u);
  let step = stride(params.rank - 1u);
  var col = first % inner;
  var o = window_offset(first);
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= params.n) { return; }
    if (col == inner) {
      col = 0u;
      o = window_offset(i);
    }
    out[u32(o)] = x[i];
    col++;
    o += step;
  }
}

// Tiles are numbered column-tile fastest, so neighbouring lanes read neighbouring input
// columns; each invocation writes T short contiguous output runs.
@compute @workgroup_size(WG)
fn transpose_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= tparams.tiles) { return; }
  let rows = tparams.rows;
  let cols = tparams.cols;
  let ncol = (cols + T - 1u) / T;
  let nrow = (rows + T - 1u) / T;
  let c0 = (t % ncol) * T;
  let r0 = ((t / ncol) % nrow) * T;
  let plane = (t / (ncol * nrow)) * rows * cols;
  let c1 = min(c0 + T, cols);
  let r1 = min(r0 + T, rows);
  if (c1 - c0 == T && r1 - r0 == T) {
    // Full tile: constant trip counts, which llvmpipe unrolls.
    for (var c = 0u; c < T; c++) {
      for (var r = 0u; r < T; r++) {
        out[plane + (c0 + c) * rows + r0 + r] = x[plane + (r0 + r) * cols + c0 + c];
      }
    }
    return;
  }
  for (var c = c0; c < c1; c++) {
    for (var r = r0; r < r1; r++) {
      out[plane + c * rows + r] = x[plane + r * cols + c];
    }
  }
}

fn pad_at(k: u32) -> vec4i {
  // (shape, lo, step, src) of axis k
  let q = k / 4u;
  let l = k % 4u;
  return vec4i(i32(pparams.shape[q][l]), pparams.lo[q][l], pparams.step[q][l], i32(pparams.src[q][l]));
}

// Source coordinate of output coordinate c on an axis (shape, lo, step, src), or −1 in the
// constant padding (and between the steps of a strided scatter).
fn axis_source(c: i32, a: vec4i) -> i32 {
  var q = c - a.y;
  if (MODE == MODE_REFLECT) {
    q = abs(q);
    return select(q, 2 * (a.w - 1) - q, q >= a.w);
  }
  if (q % a.z != 0) { return -1; }
  q = q / a.z;
  return select(-1, q, q >= 0 && q < a.w);
}

// Source offset of the first element of output row r (all axes but the last), or −1.
fn row_source(r: u32) -> i32 {
  var rem = r;
  var o = 0i;
  var scale = pad_at(pparams.rank - 1u).w;
  for (var d = pparams.rank - 1u; d > 0u; d--) {
    let a = pad_at(d - 1u);
    let q = axis_source(i32(rem % u32(a.x)), a);
    rem = rem / u32(a.x);
    if (q < 0) { return -1; }
    o += q * scale;
    scale *= a.w;
  }
  return o;
}

// Like strided_forward, the row part of the index is decomposed once per row, not per element.
@compute @workgroup_size(WG)
fn pad_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  if (first >= pparams.n) { return; }
  let a = pad_at(pparams.rank - 1u);
  let inner = u32(a.x);
  var col = first % inner;
  var row = row_source(first / inner);
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= pparams.n) { return; }
    if (col == inner) {
      col = 0u;
      row = row_source(i / inner);
    }
    let q = axis_source(i32(col), a);
    let o = select(-1, row + q, row >= 0 && q >= 0);
    out[i] = select(pparams.value, x[u32(max(o, 0))], o >= 0);
    col++;
  }
}

@compute @workgroup_size(WG)
fn pad_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = (gid.x + gid.y * nwg.x * WG) * E;
  let s = aparams.s;
  let lo = aparams.lo;
  for (var j = 0u; j < E; j++) {
    let i = first + j;
    if (i >= aparams.n) { return; }
    let inner = i % aparams.inner;
    let q = (i / aparams.inner) % s;
    let row = (i / aparams.inner) / s * aparams.m;
    var g = dy[(row + lo + q) * aparams.inner + inner];
    if (q >= 1u && q <= lo) {
      g += dy[(row + lo - q) * aparams.inner + inner];
    }
    if (q + 2u <= s && q + 1u + aparams.hi >= s) {
      g += dy[(row + lo + 2u * (s - 1u) - q) * aparams.inner + inner];
    }
    dx[i] = g;
  }
}

// rows and cols multiples of 4: one 4×4 tile per invocation as four vec4 loads and stores.
@compute @workgroup_size(WG)
fn transpose4_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= tparams.tiles) { return; }
  let rows4 = tparams.rows / 4u;
  let cols4 = tparams.cols / 4u;
  let c = t % cols4;
  let r = (t / cols4) % rows4;
  let plane = (t / (cols4 * rows4)) * tparams.rows * cols4;
  let a0 = x4[plane + (4u * r) * cols4 + c];
  let a1 = x4[plane + (4u * r + 1u) * cols4 + c];
  let a2 = x4[plane + (4u * r + 2u) * cols4 + c];
  let a3 = x4[plane + (4u * r + 3u) * cols4 + c];
  out4[plane + (4u * c) * rows4 + r] = vec4u(a0.x, a1.x, a2.x, a3.x);
  out4[plane + (4u * c + 1u) * rows4 + r] = vec4u(a0.y, a1.y, a2.y, a3.y);
  out4[plane + (4u * c + 2u) * rows4 + r] = vec4u(a0.z, a1.z, a2.z, a3.z);
  out4[plane + (4u * c + 3u) * rows4 + r] = vec4u(a0.w, a1.w, a2.w, a3.w);
}

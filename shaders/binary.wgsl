// binary.wgsl — broadcasting elementwise f32 ops on up to three inputs.
//
// binary_forward:  out[i] = f(a[ia], b[ib])                      (OP: add … ge)
// binary_backward: d[i] = dy[i] · ∂f/∂(a or b)(a[ia], b[ib])    (WRT 0: a, 1: b)
//                  d has the output shape; src/ops/binary.ts sums it down to the input's shape.
// where_forward:   out[i] = select(b[ib], a[ia], c[ic] != 0)
// expand_forward:  out[i] = a[ia]                                 (broadcast copy)
//
// Layout: out is contiguous [n]. Inputs are addressed through the collapsed output shape
// params.shape[0 .. rank) (row-major, at most 8 dimensions) and per-input element strides
// sa / sb / sc, which are 0 along broadcast dimensions; src/ops/broadcast.ts merges
// dimensions first, so a same-shape op is rank 1 and costs one division per element.
// Dispatch: E consecutive outputs per invocation, workgroups of WG, grids fold into y.
// Numerics: pow follows PyTorch for negative bases with integral exponents (sign from the
// parity) and gives 0^b = 0 (b > 0), 1 (b = 0); a negative base with a fractional exponent
// and 0^b with b < 0 are undefined (NaN/Inf are not representable here, docs/engine.md#numerics).
// Comparisons return 1.0 or 0.0.

override WG: u32 = 64;
override E: u32 = 4;
override OP: u32 = 0;
override WRT: u32 = 0;

const OP_ADD = 0u;
const OP_SUB = 1u;
const OP_MUL = 2u;
const OP_DIV = 3u;
const OP_POW = 4u;
const OP_MAXIMUM = 5u;
const OP_MINIMUM = 6u;
const OP_EQ = 7u;
const OP_NE = 8u;
const OP_LT = 9u;
const OP_LE = 10u;
const OP_GT = 11u;
const OP_GE = 12u;

struct Params {
  n: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  sa: array<vec4u, 2>,
  sb: array<vec4u, 2>,
  sc: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// Element offsets of output element i in a, b and c.
fn offsets(i: u32) -> vec3u {
  var rem = i;
  var o = vec3u(0u);
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let size = params.shape[k / 4u][k % 4u];
    let coord = rem % size;
    rem = rem / size;
    o += coord * vec3u(params.sa[k / 4u][k % 4u], params.sb[k / 4u][k % 4u], params.sc[k / 4u][k % 4u]);
  }
  return o;
}

fn is_odd_integer(v: f32) -> bool {
  return v == round(v) && abs(v % 2.0) == 1.0;
}

fn pow_torch(x: f32, y: f32) -> f32 {
  if (x > 0.0) { return pow(x, y); }
  if (x == 0.0) { return select(0.0, 1.0, y == 0.0); }
  let m = pow(-x, y);
  return select(m, -m, is_odd_integer(y));
}

fn f(x: f32, y: f32) -> f32 {
  switch OP {
    case OP_ADD: { return x + y; }
    case OP_SUB: { return x - y; }
    case OP_MUL: { return x * y; }
    case OP_DIV: { return x / y; }
    case OP_POW: { return pow_torch(x, y); }
    case OP_MAXIMUM: { return max(x, y); }
    case OP_MINIMUM: { return min(x, y); }
    case OP_EQ: { return select(0.0, 1.0, x == y); }
    case OP_NE: { return select(0.0, 1.0, x != y); }
    case OP_LT: { return select(0.0, 1.0, x < y); }
    case OP_LE: { return select(0.0, 1.0, x <= y); }
    case OP_GT: { return select(0.0, 1.0, x > y); }
    case OP_GE: { return select(0.0, 1.0, x >= y); }
    default: { return 0.0; }
  }
}

// ∂f/∂x (WRT 0) or ∂f/∂y (WRT 1). Ties of maximum/minimum split the gradient (PyTorch).
fn df(x: f32, y: f32) -> f32 {
  let wa = WRT == 0u;
  switch OP {
    case OP_ADD: { return 1.0; }
    case OP_SUB: { return select(-1.0, 1.0, wa); }
    case OP_MUL: { return select(x, y, wa); }
    case OP_DIV: { return select(-x / (y * y), 1.0 / y, wa); }
    case OP_POW: {
      // d(xʸ)/dx = y·xʸ⁻¹;  d(xʸ)/dy = xʸ·ln x (0 where x ≤ 0)
      if (wa) { return select(y * pow_torch(x, y - 1.0), 0.0, y == 0.0); }
      return select(0.0, pow(x, y) * log(x), x > 0.0);
    }
    case OP_MAXIMUM: {
      let win = select(y > x, x > y, wa);
      return select(select(0.0, 1.0, win), 0.5, x == y);
    }
    case OP_MINIMUM: {
      let win = select(y < x, x < y, wa);
      return select(select(0.0, 1.0, win), 0.5, x == y);
    }
    default: { return 0.0; }
  }
}

@compute @workgroup_size(WG)
fn binary_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    let o = offsets(i);
    out[i] = f(a[o.x], b[o.y]);
  }
}

@compute @workgroup_size(WG)
fn binary_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    let o = offsets(i);
    out[i] = dy[i] * df(a[o.x], b[o.y]);
  }
}

@compute @workgroup_size(WG)
fn where_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    let o = offsets(i);
    out[i] = select(b[o.y], a[o.x], c[o.z] != 0.0);
  }
}

@compute @workgroup_size(WG)
fn expand_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    out[i] = a[offsets(i).x];
  }
}

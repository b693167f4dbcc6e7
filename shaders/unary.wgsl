// unary.wgsl — elementwise f32 functions y = f(x) and their gradients dx = dy · f'(x).
//
// unary_forward:  x [n] (read) → y [n] (read_write)
// unary_backward: x [n], dy [n] (read) → dx [n] (read_write)
// Params: n, and alpha/beta (leakyRelu slope; clamp bounds), unused by other functions.
//
// The function is the override constant OP (one of the OP_* codes below, which
// src/ops/unary.ts reads from this file), so each pipeline holds one function's code
// and no lane evaluates the others (llvmpipe runs every branch of a switch with masks).
// Dispatch: E consecutive elements per invocation, workgroups of WG; grids beyond 65,535
// workgroups fold into y (linear index gid.x + gid.y · nwg.x · WG).
// Numerics: exp clamps its argument at −87 and returns 0 below it, so no denormal is made
// (lavapipe runs them 10× slower); tanh and sigmoid use the overflow-free forms; erf is
// Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e−7). log/sqrt/rsqrt of x ≤ 0 are undefined in WGSL.

override WG: u32 = 64;
override E: u32 = 4;
override OP: u32 = 0;

const OP_NEG = 0u;
const OP_ABS = 1u;
const OP_EXP = 2u;
const OP_LOG = 3u;
const OP_SQRT = 4u;
const OP_RSQRT = 5u;
const OP_SQUARE = 6u;
const OP_RELU = 7u;
const OP_LEAKYRELU = 8u;
const OP_GELU = 9u;
const OP_SIGMOID = 10u;
const OP_TANH = 11u;
const OP_CLAMP = 12u;

struct Params {
  n: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn safe_exp(v: f32) -> f32 {
  return select(exp(max(v, -87.0)), 0.0, v < -87.0);
}

fn erf_as(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(v) * (1.0 - poly * safe_exp(-a * a));
}

fn sigmoid(v: f32) -> f32 {
  let e = safe_exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn tanh_stable(v: f32) -> f32 {
  let e = safe_exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}

fn f(v: f32) -> f32 {
  switch OP {
    case OP_NEG: { return -v; }
    case OP_ABS: { return abs(v); }
    case OP_EXP: { return safe_exp(v); }
    case OP_LOG: { return log(v); }
    case OP_SQRT: { return sqrt(v); }
    case OP_RSQRT: { return inverseSqrt(v); }
    case OP_SQUARE: { return v * v; }
    case OP_RELU: { return max(v, 0.0); }
    case OP_LEAKYRELU: { return select(params.alpha * v, v, v > 0.0); }
    case OP_GELU: { return 0.5 * v * (1.0 + erf_as(v * 0.70710678118654752)); }
    case OP_SIGMOID: { return sigmoid(v); }
    case OP_TANH: { return tanh_stable(v); }
    case OP_CLAMP: { return clamp(v, params.alpha, params.beta); }
    default: { return 0.0; }
  }
}

// f'(v); relu/leakyRelu/abs/clamp take PyTorch's choices at the kinks (0, slope, 0, inside).
fn df(v: f32) -> f32 {
  switch OP {
    case OP_NEG: { return -1.0; }
    case OP_ABS: { return sign(v); }
    case OP_EXP: { return safe_exp(v); }
    case OP_LOG: { return 1.0 / v; }
    case OP_SQRT: { return 0.5 * inverseSqrt(v); }
    case OP_RSQRT: { return -0.5 * inverseSqrt(v) / v; }
    case OP_SQUARE: { return 2.0 * v; }
    case OP_RELU: { return select(0.0, 1.0, v > 0.0); }
    case OP_LEAKYRELU: { return select(params.alpha, 1.0, v > 0.0); }
    case OP_GELU: {
      // d/dv [v Φ(v)] = Φ(v) + v φ(v)
      let cdf = 0.5 * (1.0 + erf_as(v * 0.70710678118654752));
      return cdf + v * 0.3989422804014327 * safe_exp(-0.5 * v * v);
    }
    case OP_SIGMOID: { let s = sigmoid(v); return s * (1.0 - s); }
    case OP_TANH: { let t = tanh_stable(v); return 1.0 - t * t; }
    case OP_CLAMP: { return select(0.0, 1.0, v >= params.alpha && v <= params.beta); }
    default: { return 0.0; }
  }
}

@compute @workgroup_size(WG)
fn unary_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    y[i] = f(x[i]);
  }
}

@compute @workgroup_size(WG)
fn unary_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    dx[i] = dy[i] * df(x[i]);
  }
}

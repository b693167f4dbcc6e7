// optim.wgsl — fused optimizer steps: one dispatch updates one parameter and its state in place.
//
// sgd_step:          p [n] (read_write), g [n] (read)                       — SGD without momentum
// sgd_momentum_step: p [n] (read_write), g [n] (read), buf [n] (read_write) — SGD with momentum
// adam_step:         p, m, v [n] (read_write), g [n] (read)                 — Adam and AdamW
// adam_amsgrad_step: as adam_step, plus vmax [n] (read_write)               — AMSGrad variant
// All arrays are contiguous and of one length n; the parameter's buffer is written in place, so
// the parameter keeps its identity. The rules are PyTorch's (torch.optim.SGD, Adam, AdamW):
//   SGD:  d = g + wd·p;  buf = d on the first step, else momentum·buf + (1 − dampening)·d;
//         d = d + momentum·buf (nesterov) or buf;  p = p − lr·d
//   Adam: d = g + l2·p (coupled decay, Adam);  p = decay·p (decoupled decay, AdamW: 1 − lr·wd);
//         m = β1·m + (1 − β1)·d;  v = β2·v + (1 − β2)·d²;  (vmax = max(vmax, v));
//         p = p − stepSize · m / (√v / √bc2 + eps)   with stepSize = lr / bc1 computed on the host
//         in float64, bc_k = 1 − β_kᵗ, t the parameter's own step count (as PyTorch).
// 1 − β and 1 − dampening come from the host in float64 (as PyTorch's Python floats): computed
// here from the rounded f32 β2 = 0.999, 1 − β2 would be off by 1.3e-5 relative.
// `first` marks a parameter's first step: the state is read as zeros (Adam) or set to d (SGD),
// so no separate fill dispatch is needed and the state buffers may start uninitialised.
// Dispatch: E consecutive elements per invocation, workgroups of WG; grids beyond 65,535
// workgroups fold into y (linear index gid.x + gid.y · nwg.x · WG).
// Numerics: lavapipe does not flush denormals and runs them 9–17× slower, and Adam's v decays
// by β2 every step a gradient is tiny or zero, so it would sit in the denormal range for
// thousands of steps. SGD flushes stored p and buf below the smallest normal f32 (1.18e-38) to
// zero, an absolute change of at most 1.2e-38. Adam flushes stored p, m, v, vmax below `tiny`,
// and leaves out of v's update gradients below `d_floor`, whose square would be denormal; the host
// sets tiny = 1.18e-38 and d_floor = √(tiny / (1 − β2)) only when that moves √v̂ by less than
// 2⁻²⁴·eps (below f32 rounding of the denominator), and both to 0 (no flushing) otherwise.

override WG: u32 = 64;
override E: u32 = 4;

struct SgdParams {
  n: u32,
  lr: f32,
  weight_decay: f32,
  momentum: f32,
  one_minus_dampening: f32,
  nesterov: u32,
  first: u32,
}

struct AdamParams {
  n: u32,
  step_size: f32,
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  bc2_sqrt: f32,
  eps: f32,
  l2: f32,
  decay: f32,
  tiny: f32,
  d_floor: f32,
  first: u32,
}

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> vmax: array<f32>;
@group(0) @binding(6) var<uniform> sgd: SgdParams;
@group(0) @binding(7) var<uniform> adam: AdamParams;

const MIN_NORMAL = 1.17549435e-38;

// Zero for |x| below `lim`, x otherwise (see Numerics above).
fn ftz(x: f32, lim: f32) -> f32 {
  return select(x, 0.0, abs(x) < lim);
}

@compute @workgroup_size(WG)
fn sgd_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= sgd.n) { return; }
    let pv = p[i];
    p[i] = ftz(pv - sgd.lr * (g[i] + sgd.weight_decay * pv), MIN_NORMAL);
  }
}

@compute @workgroup_size(WG)
fn sgd_momentum_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= sgd.n) { return; }
    let pv = p[i];
    let d = g[i] + sgd.weight_decay * pv;
    var b = d;
    if (sgd.first == 0u) { b = sgd.momentum * buf[i] + sgd.one_minus_dampening * d; }
    b = ftz(b, MIN_NORMAL);
    buf[i] = b;
    let step = select(b, d + sgd.momentum * b, sgd.nesterov != 0u);
    p[i] = ftz(pv - sgd.lr * step, MIN_NORMAL);
  }
}

// The moments after one step from (m0, v0) with gradient d; returns (m, v).
fn moments(m0: f32, v0: f32, d: f32) -> vec2f {
  let mn = adam.beta1 * m0 + adam.one_minus_beta1 * d;
  let dv = ftz(d, adam.d_floor);
  let vn = adam.beta2 * v0 + adam.one_minus_beta2 * dv * dv;
  return vec2f(ftz(mn, adam.tiny), ftz(vn, adam.tiny));
}

// The new parameter given its decayed value, the first moment and the second moment in use.
fn adam_param(pd: f32, mv: f32, vv: f32) -> f32 {
  let denom = sqrt(vv) / adam.bc2_sqrt + adam.eps;
  return ftz(pd - adam.step_size * mv / denom, adam.tiny);
}

@compute @workgroup_size(WG)
fn adam_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  let fresh = adam.first != 0u;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= adam.n) { return; }
    let pv = p[i];
    let d = g[i] + adam.l2 * pv;
    var m0 = 0.0;
    var v0 = 0.0;
    if (!fresh) { m0 = m[i]; v0 = v[i]; }
    let mv = moments(m0, v0, d);
    m[i] = mv.x;
    v[i] = mv.y;
    p[i] = adam_param(adam.decay * pv, mv.x, mv.y);
  }
}

@compute @workgroup_size(WG)
fn adam_amsgrad_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  let fresh = adam.first != 0u;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= adam.n) { return; }
    let pv = p[i];
    let d = g[i] + adam.l2 * pv;
    var m0 = 0.0;
    var v0 = 0.0;
    var vm = 0.0;
    if (!fresh) { m0 = m[i]; v0 = v[i]; vm = vmax[i]; }
    let mv = moments(m0, v0, d);
    vm = max(vm, mv.y);
    m[i] = mv.x;
    v[i] = mv.y;
    vmax[i] = vm;
    p[i] = adam_param(adam.decay * pv, mv.x, vm);
  }
}

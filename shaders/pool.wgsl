// pool.wgsl — 2-D average, adaptive average and max pooling of NCHW tensors, with gradients.
//
// x [P, H, W] (P = N·C planes, read) → y [P, OH, OW] (read_write)
// avg_pool_forward:   y = Σ window / divisor. ADAPTIVE = 0: window rows oy·sh − ph … + kh
//                     (PyTorch: the padded extent clipped at H + ph sets the divisor when
//                     include_pad = 1, else the count of in-image values); ADAPTIVE = 1:
//                     rows ⌊oy·H/OH⌋ … ⌈(oy+1)·H/OH⌉, divisor the count (adaptive_avg_pool2d).
// avg_pool_backward:  dy [P, OH, OW] → dx [P, H, W]: each input gathers dy/divisor of every
//                     window holding it (deterministic, no atomics).
// max_pool_forward:   y = window max, argmax [P, OH, OW] (u32, iy·W + ix within the plane);
//                     window rows oy·sh − ph + ky·dh. Out-of-image taps are skipped (the
//                     −inf padding of PyTorch); ties keep the first maximum in window order
//                     (ky outer, kx inner), as PyTorch's strict `>`.
// max_pool_backward:  dy, argmax → dx: each input sums dy of the windows whose argmax is it.
//
// Dispatch: one invocation per output (forward) or input (backward) element, in workgroups
// of WG; grids beyond 65,535 workgroups fold into y (index gid.x + gid.y·nwg.x·WG).
// The host guarantees padding ≤ half the (dilated) kernel, so every window holds an image
// value, and never dispatches an empty tensor.

override WG: u32 = 64;
override ADAPTIVE: u32 = 0;

struct Params {
  planes: u32,
  h: u32,
  w: u32,
  oh: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  ph: u32,
  pw: u32,
  dh: u32,
  dw: u32,
  include_pad: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

fn linear_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Average window along one axis for output o: (first, end) inside the image, and the
// window's length for the divisor.
fn avg_window(o: u32, n: u32, on: u32, k: u32, s: u32, p: u32) -> vec3i {
  if (ADAPTIVE == 1u) {
    let a = i32((o * n) / on);
    let b = i32(((o + 1u) * n + on - 1u) / on);
    return vec3i(a, b, b - a);
  }
  let start = i32(o * s) - i32(p);
  let end = min(start + i32(k), i32(n + p));
  let len = end - start;
  return vec3i(max(start, 0), min(end, i32(n)), len);
}

// Outputs along one axis whose average window holds input i: [lo, hi).
fn avg_outputs(i: u32, n: u32, on: u32, k: u32, s: u32, p: u32) -> vec2u {
  if (ADAPTIVE == 1u) {
    return vec2u((i * on) / n, min(((i + 1u) * on + n - 1u) / n, on));
  }
  let first = i32(i + p) - i32(k) + 1;
  let lo = select(0u, u32((first + i32(s) - 1) / i32(s)), first > 0);
  return vec2u(lo, min((i + p) / s + 1u, on));
}

fn divisor(wy: vec3i, wx: vec3i) -> f32 {
  if (ADAPTIVE == 0u && params.include_pad == 1u) { return f32(wy.z * wx.z); }
  return f32((wy.y - wy.x) * (wx.y - wx.x));
}

@compute @workgroup_size(WG)
fn avg_pool_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.planes * params.oh * params.ow) { return; }
  let plane = id / (params.oh * params.ow);
  let oy = (id / params.ow) % params.oh;
  let ox = id % params.ow;
  let wy = avg_window(oy, params.h, params.oh, params.kh, params.sh, params.ph);
  let wx = avg_window(ox, params.w, params.ow, params.kw, params.sw, params.pw);
  var s = 0.0;
  for (var iy = wy.x; iy < wy.y; iy++) {
    let row = (plane * params.h + u32(iy)) * params.w;
    for (var ix = wx.x; ix < wx.y; ix++) { s += x[row + u32(ix)]; }
  }
  y[id] = s / divisor(wy, wx);
}

@compute @workgroup_size(WG)
fn avg_pool_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.planes * params.h * params.w) { return; }
  let plane = id / (params.h * params.w);
  let iy = (id / params.w) % params.h;
  let ix = id % params.w;
  let ry = avg_outputs(iy, params.h, params.oh, params.kh, params.sh, params.ph);
  let rx = avg_outputs(ix, params.w, params.ow, params.kw, params.sw, params.pw);
  var s = 0.0;
  for (var oy = ry.x; oy < ry.y; oy++) {
    let wy = avg_window(oy, params.h, params.oh, params.kh, params.sh, params.ph);
    let row = (plane * params.oh + oy) * params.ow;
    for (var ox = rx.x; ox < rx.y; ox++) {
      s += dy[row + ox] / divisor(wy, avg_window(ox, params.w, params.ow, params.kw, params.sw, params.pw));
    }
  }
  dx[id] = s;
}

@compute @workgroup_size(WG)
fn max_pool_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.planes * params.oh * params.ow) { return; }
  let plane = id / (params.oh * params.ow);
  let y0 = i32(((id / params.ow) % params.oh) * params.sh) - i32(params.ph);
  let x0 = i32((id % params.ow) * params.sw) - i32(params.pw);
  let base = plane * params.h * params.w;
  var best = -3.40282346e38;
  var at = 0xffffffffu;
  for (var ky = 0u; ky < params.kh; ky++) {
    let iy = y0 + i32(ky * params.dh);
    if (iy < 0 || iy >= i32(params.h)) { continue; }
    for (var kx = 0u; kx < params.kw; kx++) {
      let ix = x0 + i32(kx * params.dw);
      if (ix < 0 || ix >= i32(params.w)) { continue; }
      let p = u32(iy) * params.w + u32(ix);
      let v = x[base + p];
      if (v > best || at == 0xffffffffu) {
        best = v;
        at = p;
      }
    }
  }
  y[id] = best;
  argmax[id] = at;
}

@compute @workgroup_size(WG)
fn max_pool_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let id = linear_id(gid, nwg);
  if (id >= params.planes * params.h * params.w) { return; }
  let plane = id / (params.h * params.w);
  let iy = (id / params.w) % params.h;
  let ix = id % params.w;
  let p = iy * params.w + ix;
  // Windows with oy·sh − ph ≤ iy ≤ oy·sh − ph + (kh − 1)·dh.
  let fy = i32(iy + params.ph) - i32((params.kh - 1u) * params.dh);
  let fx = i32(ix + params.pw) - i32((params.kw - 1u) * params.dw);
  let ylo = select(0u, u32((fy + i32(params.sh) - 1) / i32(params.sh)), fy > 0);
  let xlo = select(0u, u32((fx + i32(params.sw) - 1) / i32(params.sw)), fx > 0);
  let yhi = min((iy + params.ph) / params.sh + 1u, params.oh);
  let xhi = min((ix + params.pw) / params.sw + 1u, params.ow);
  var s = 0.0;
  for (var oy = ylo; oy < yhi; oy++) {
    let row = (plane * params.oh + oy) * params.ow;
    for (var ox = xlo; ox < xhi; ox++) {
      if (argmax_in[row + ox] == p) { s += dy[row + ox]; }
    }
  }
  dx[id] = s;
}

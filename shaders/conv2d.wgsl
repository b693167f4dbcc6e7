// conv2d.wgsl — the patch (im2col) transform behind conv2d, and its adjoint.
//
// The portable plan of conv2d (src/ops/conv2d.ts; devices without 8-lane subgroups, and groups
// > 1; elsewhere conv2d_direct.wgsl reads x in place) is  y[n, g] = W[g] · col[n, g]  with the
// matmul kernels, so the only convolution-specific kernels of that plan are these two:
//
// conv2d_unfold_forward:  x [N, C, H, W] (read), mask [KH · KW] (read)
//                         → col [N, G, KP, P] (read_write)
//   col[n, g, k, p] = x[n, g·CG + c, oh·SH − PH + ky·DH, ow·SW − PW + kx·DW] · mask[ky, kx]
//   with k = (c·KH + ky)·KW + kx < K = CG·KH·KW and p = oh·WO + ow < P = HO·WO; 0 outside the
//   image (zero padding) and on rows K ≤ k < KP (KP rounds K up to 4 so matmul loads vec4).
// conv2d_unfold_backward: dcol [N, G, KP, P], mask (read) → dx [N, C, H, W] (read_write)
//   dx[n, c, ih, iw] = Σ_{ky, kx} mask[ky, kx] · dcol[n, g, k, p] over the taps whose output
//   position (oh, ow) = ((ih + PH − ky·DH) / SH, (iw + PW − kx·DW) / SW) is integral and inside
//   HO × WO: a gather per input element, so the sum has a fixed order (no atomics) and is
//   deterministic.
// The mask gates taps inside the kernel (no masked weight copy): a 0 tap contributes exactly 0
// to col, so the weight gradient dY · colᵀ is 0 there, and dx gets exactly 0 through it.
// Reflect padding is applied before (src/ops/shape.ts pad), so these kernels only pad zeros.
//
// Dispatch: E consecutive elements per invocation (of col, or of dx), workgroups of WG;
// grids beyond 65,535 workgroups fold into y (index gid.x + gid.y · nwg.x · WG).
// Numerics: exact copies forward; backward sums ≤ KH·KW f32 products in tap order.

override WG: u32 = 64;
override E: u32 = 4;

struct Params {
  n: u32,
  // input channels, height, width; groups and channels per group
  c: u32,
  h: u32,
  w: u32,
  g: u32,
  cg: u32,
  // kernel size, stride, padding, dilation (height then width)
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  ph: u32,
  pw: u32,
  dh: u32,
  dw: u32,
  // output height and width; patch rows K (= CG·KH·KW) and their padded count KP
  ho: u32,
  wo: u32,
  k: u32,
  kp: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dcol: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> col: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// One element of col: its patch row k and output pixel p for image n, group g.
fn unfold_at(i: u32) -> f32 {
  let pcount = params.ho * params.wo;
  let p = i % pcount;
  let row = i / pcount;
  let k = row % params.kp;
  if (k >= params.k) { return 0.0; }
  let ng = row / params.kp;
  let taps = params.kh * params.kw;
  let tap = k % taps;
  let ky = tap / params.kw;
  let kx = tap % params.kw;
  let c = (ng % params.g) * params.cg + k / taps;
  let n = ng / params.g;
  // Signed: a tap left of or above the image is padding.
  let ih = i32((p / params.wo) * params.sh + ky * params.dh) - i32(params.ph);
  let iw = i32((p % params.wo) * params.sw + kx * params.dw) - i32(params.pw);
  if (ih < 0 || iw < 0 || ih >= i32(params.h) || iw >= i32(params.w)) { return 0.0; }
  let src = ((n * params.c + c) * params.h + u32(ih)) * params.w + u32(iw);
  return x[src] * mask[tap];
}

@compute @workgroup_size(WG)
fn conv2d_unfold_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let total = params.n * params.g * params.kp * params.ho * params.wo;
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= total) { return; }
    col[i] = unfold_at(i);
  }
}

// Output coordinate of input coordinate `i` through tap `t` along one axis, or −1 when the tap
// falls between strides or outside the output.
fn out_coord(i: u32, t: u32, pad: u32, dil: u32, stride: u32, size: u32) -> i32 {
  let num = i32(i + pad) - i32(t * dil);
  if (num < 0 || num % i32(stride) != 0) { return -1; }
  let o = num / i32(stride);
  return select(-1, o, o < i32(size));
}

// One element of dx: the sum over the taps that read it.
fn fold_at(i: u32) -> f32 {
  let iw = i % params.w;
  let ih = (i / params.w) % params.h;
  let c = (i / (params.w * params.h)) % params.c;
  let n = i / (params.w * params.h * params.c);
  let g = c / params.cg;
  let pcount = params.ho * params.wo;
  let taps = params.kh * params.kw;
  // Row k of tap 0 for this channel inside its group's patch matrix.
  let row0 = (n * params.g + g) * params.kp + (c % params.cg) * taps;
  var acc = 0.0;
  for (var ky = 0u; ky < params.kh; ky++) {
    let oh = out_coord(ih, ky, params.ph, params.dh, params.sh, params.ho);
    if (oh < 0) { continue; }
    for (var kx = 0u; kx < params.kw; kx++) {
      let ow = out_coord(iw, kx, params.pw, params.dw, params.sw, params.wo);
      if (ow < 0) { continue; }
      let tap = ky * params.kw + kx;
      acc += dcol[(row0 + tap) * pcount + u32(oh) * params.wo + u32(ow)] * mask[tap];
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn conv2d_unfold_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let total = params.n * params.c * params.h * params.w;
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= total) { return; }
    dx[i] = fold_at(i);
  }
}

// random.wgsl — counter-based random numbers (Philox4x32-10, Salmon et al., SC 2011).
//
// Each block of four 32-bit words is philox(counter = (block, stream, 0, 0), key = seed), so
// a value depends only on (seed, stream, index): the same in every run, on every adapter, in
// Node and in a browser, whatever the dispatch geometry. Integer arithmetic only; the 32×32→64
// bit products are built from 16-bit halves (WGSL has no 64-bit integers).
//
// random_bits:    out[i] = word (i mod 4) of block ⌊i/4⌋                  (u32)
// random_uniform: out[i] = lo + (hi − lo) · u,  u = (word >> 8) · 2⁻²⁴ ∈ [0, 1)   (f32)
// random_normal:  Box–Muller on words (2j, 2j+1) of block ⌊i/2⌋, j = i mod 2:
//                 out[i] = mean + std · √(−2 ln u₁) · cos(2π u₂), u₁ ∈ (0, 1]
//                 with ln and cos as polynomials here, not the built-ins: WGSL lets cos err by
//                 2⁻¹¹ (SwiftShader does), which would make a seed's normals differ by browser.
// Layout: out contiguous [n]. Dispatch: one block per invocation (4 or 2 outputs), workgroups of
// WG, grids beyond 65,535 workgroups fold into y.
// Numerics: bits and the [0, 1) words are bit-identical everywhere; scaled uniforms and normals
// agree to a few ulps (drivers may fuse a multiply and an add, and sqrt may differ by an ulp).

override WG: u32 = 64;

struct Params {
  n: u32,
  key0: u32,
  key1: u32,
  stream: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read_write> bits: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// (high, low) 32-bit halves of the 64-bit product a·b.
fn mulhilo(a: u32, b: u32) -> vec2u {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let m1 = ah * bl;
  let m2 = al * bh;
  let mid = ((al * bl) >> 16u) + (m1 & 0xffffu) + (m2 & 0xffffu);
  return vec2u(ah * bh + (m1 >> 16u) + (m2 >> 16u) + (mid >> 16u), a * b);
}

fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2u(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

fn philox_block(b: u32) -> vec4u {
  return philox(vec4u(b, params.stream, 0u, 0u), vec2u(params.key0, params.key1));
}

fn to_unit(w: u32) -> f32 {
  return f32(w >> 8u) * 5.9604644775390625e-8;
}

// ln u for u in [2⁻²⁴, 1]: u = m·2ᵉ with m in [√½, √2], ln m = 2 atanh(s), s = (m − 1)/(m + 1).
fn ln_unit(u: f32) -> f32 {
  let b = bitcast<u32>(u);
  var e = f32(i32(b >> 23u) - 127);
  var m = bitcast<f32>((b & 0x7fffffu) | 0x3f800000u);
  if (m > 1.4142135) { m *= 0.5; e += 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = 1.0 + s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * 0.11111111)));
  return e * 0.69314718 + 2.0 * s * series;
}

// cos(2π·w·2⁻²⁴) for a 24-bit integer w: the quadrant from the top two bits, then Taylor series
// of cos and sin on [0, π/2) (truncation below 1e-10).
fn cos_turns(w: u32) -> f32 {
  let a = f32(w & 0x3fffffu) * 3.7450703e-7; // 2π · 2⁻²⁴
  let a2 = a * a;
  let c = 1.0 + a2 * (-0.5 + a2 * (4.1666667e-2 + a2 * (-1.3888889e-3 + a2 * (2.4801587e-5 + a2 * (-2.7557319e-7 + a2 * (2.0876757e-9 - a2 * 1.1470746e-11))))));
  let s = a * (1.0 + a2 * (-0.16666667 + a2 * (8.3333333e-3 + a2 * (-1.9841270e-4 + a2 * (2.7557319e-6 + a2 * (-2.5052108e-8 + a2 * 1.6059044e-10))))));
  switch (w >> 22u) {
    case 0u: { return c; }
    case 1u: { return -s; }
    case 2u: { return -c; }
    default: { return s; }
  }
}

@compute @workgroup_size(WG)
fn random_bits(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b * 4u >= params.n) { return; }
  let w = philox_block(b);
  for (var j = 0u; j < 4u; j++) {
    if (b * 4u + j < params.n) { bits[b * 4u + j] = w[j]; }
  }
}

@compute @workgroup_size(WG)
fn random_uniform(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b * 4u >= params.n) { return; }
  let w = philox_block(b);
  for (var j = 0u; j < 4u; j++) {
    if (b * 4u + j < params.n) { out[b * 4u + j] = params.a + (params.b - params.a) * to_unit(w[j]); }
  }
}

@compute @workgroup_size(WG)
fn random_normal(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b * 2u >= params.n) { return; }
  let w = philox_block(b);
  for (var j = 0u; j < 2u; j++) {
    let i = b * 2u + j;
    if (i < params.n) {
      let u1 = f32((w[2u * j] >> 8u) + 1u) * 5.9604644775390625e-8;
      out[i] = params.a + params.b * sqrt(-2.0 * ln_unit(u1)) * cos_turns(w[2u * j + 1u] >> 8u);
    }
  }
}

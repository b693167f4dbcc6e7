// conv2d_direct.wgsl — implicit-GEMM convolution on channels-last data, with subgroup register
// tiles: the fast path of src/ops/conv2d.ts on devices whose subgroups have ≥ 8 lanes.
// A separate file from conv2d.wgsl because it needs `enable subgroups`, which would stop the
// portable unfold kernels from compiling on devices without the feature.
//
// Why not unfold + matmul: the patch matrix is KH·KW times the input (13 MB for 162 bands on a
// 100×100 scene); writing and re-reading it costs more than the product on lavapipe, where
// storage loads are the scarce resource (docs/engine.md#performance). Here the product reads x
// in place.
//
// conv2d_pack_input:  src [N, C, H, W] (read) → packed [N, HP, WP, CP/4] vec4 (read_write)
//   packed[n, i, j, c] = src[n, c, (i − top) / up_h, (j − left) / up_w] when both divisions are
//   exact and inside H × W and c < C, else 0: channels-last, zero padding baked in, channels
//   padded to CP (a multiple of 4), and zeros inserted between rows/columns for up > 1 (the
//   input gradient of a strided conv). top/left may be negative (a crop).
// conv2d_pack_weight: src [O, C, KH, KW] (read), mask [KH·KW] (read)
//   → packed [KH·KW, CP, OP/4] vec4: packed[t, ci, co] = mask[t] · W[co, ci, t] (flip = 0), or
//   W[ci, co, T−1−t] · mask[T−1−t] (flip = 1: transposed and rotated 180°, for dInput).
// conv2d_direct_forward: xp [N, HP, WP, CP/4], wp [T, CP, OP/4], mask, bias [COUT]
//   → out [N, COUT, HO, WO] (NCHW, read_write)
//   out[n, co, oh, ow] = bias[co]·has_bias + Σ_{t, ci} xp[n, oh·SH + ky·DH, ow·SW + kx·DW, ci] · wp[t, ci, co]
// conv2d_direct_backward_weight: xp, dyp [N·HO·WO, OP/4] (dy channels-last), mask
//   → out [COUT, CIN, KH, KW]: mask[t] · Σ_{n, oh, ow} xp[n, oh·SH + ky·DH, ow·SW + kx·DW, ci] · dyp[., co]
//   (the filter gradient as one product with K = N·HO·WO: no split, no reduction pass).
//
// Tiling (the matmul.wgsl plan): a workgroup is one subgroup of 8 lanes owning TM rows × TN
// columns (32 or 64 each); per step of 4 along K, lane l loads the 4×4 block of rows 4l … 4l+3
// (and 32 + 4l …) as vec4s and spreads it with subgroupBroadcast, and loads its own 4×4 blocks
// of the other operand for columns 4l … 4l+3 (and 32 + 4l …). Forward rows are output pixels,
// K = (tap, input channel), columns output channels; weight-gradient rows are input channels of one tap, K = pixels.
// Taps whose mask is exactly 0 are skipped (the blind-spot conv does 8/9 of the work).
// Dispatch: packs one vec4 per invocation, WG per workgroup; products one workgroup per tile,
// tiles numbered column tile fastest; grids beyond 65,535 workgroups fold into y.
// Edges: rows past M are clamped on load (finite, never stored); columns past OP clamp to the
// last vec4; K tails read zero rows (padded channels, or dy rows past N·HO·WO).
// Numerics: f32 accumulation, 4 products of K per step in order, taps in order.
enable subgroups;

override WG: u32 = 64;
// Rows per product tile: 32 or 64 (each sg_update covers 32 rows).
override TM: u32 = 64;
// Columns per product tile: 32 or 64 (lane l owns columns 4l … 4l+3 of every 32; regtile.wgsl).
override TN: u32 = 32;
const LANES = 8u;

struct Params {
  n: u32,
  // source dims of a pack ([N, C, H, W], or the weight's [COUT, CIN] via cin/cout)
  c: u32,
  h: u32,
  w: u32,
  // packed input [N, HP, WP, CP] and how a pack places the source
  cp: u32,
  hp: u32,
  wp: u32,
  top: i32,
  left: i32,
  up_h: u32,
  up_w: u32,
  // the product: input channels, output channels, output channels padded to 4
  cin: u32,
  cout: u32,
  op: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  dh: u32,
  dw: u32,
  ho: u32,
  wo: u32,
  flip: u32,
  has_bias: u32,
  tiles: u32,
  tiles_m: u32,
  tiles_n: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> xp: array<vec4f>;
@group(0) @binding(3) var<storage, read> wp: array<vec4f>;
@group(0) @binding(4) var<storage, read> dyp: array<vec4f>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> packed: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn conv2d_pack_input(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let cq = params.cp / 4u;
  if (i >= params.n * params.hp * params.wp * cq) { return; }
  let c0 = (i % cq) * 4u;
  let pix = i / cq;
  let t = pix / params.wp;
  let n = t / params.hp;
  let si = i32(t % params.hp) - params.top;
  let sj = i32(pix % params.wp) - params.left;
  var v = vec4f(0.0);
  if (si >= 0 && sj >= 0 && u32(si) % params.up_h == 0u && u32(sj) % params.up_w == 0u) {
    let y = u32(si) / params.up_h;
    let x = u32(sj) / params.up_w;
    if (y < params.h && x < params.w) {
      for (var k = 0u; k < 4u; k++) {
        if (c0 + k < params.c) { v[k] = src[((n * params.c + c0 + k) * params.h + y) * params.w + x]; }
      }
    }
  }
  packed[i] = v;
}

@compute @workgroup_size(WG)
fn conv2d_pack_weight(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  let oq = params.op / 4u;
  let taps = params.kh * params.kw;
  if (i >= taps * params.cp * oq) { return; }
  let co0 = (i % oq) * 4u;
  let ci = (i / oq) % params.cp;
  let st = select(i / (oq * params.cp), taps - 1u - i / (oq * params.cp), params.flip != 0u);
  var v = vec4f(0.0);
  if (ci < params.cin) {
    for (var k = 0u; k < 4u; k++) {
      let co = co0 + k;
      let pair = select(co * params.cin + ci, ci * params.cout + co, params.flip != 0u);
      if (co < params.cout) { v[k] = mask[st] * src[pair * taps + st]; }
    }
  }
  packed[i] = v;
}

// RegTile, sg_rows and sg_update: shaders/regtile.wgsl, appended by the host (see there).

// vec4 index in xp of output pixel r's window origin (tap 0, channel 0); r clamps to the last.
fn origin(r: u32) -> u32 {
  let rr = min(r, params.n * params.ho * params.wo - 1u);
  let t = rr / params.wo;
  return (((t / params.ho) * params.hp + (t % params.ho) * params.sh) * params.wp + (rr % params.wo) * params.sw) * (params.cp / 4u);
}

// The gate of tap t of the product (the kernel rotated 180° when flip = 1).
fn gate(t: u32) -> f32 {
  return mask[select(t, params.kh * params.kw - 1u - t, params.flip != 0u)];
}

fn tile_index(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

@compute @workgroup_size(LANES)
fn conv2d_direct_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                         @builtin(subgroup_invocation_id) lane: u32) {
  let t = tile_index(wid, nwg);
  if (t >= params.tiles) { return; }
  let row0 = (t / params.tiles_n) * TM;
  let col = (t % params.tiles_n) * TN + 4u * lane;
  let cq = params.cp / 4u;
  let oq = params.op / 4u;
  let r = row0 + 4u * lane;
  let b0 = array<u32, 4>(origin(r), origin(r + 1u), origin(r + 2u), origin(r + 3u));
  let b1 = array<u32, 4>(origin(r + 32u), origin(r + 33u), origin(r + 34u), origin(r + 35u));
  var acc: RegTile;
  for (var tap = 0u; tap < params.kh * params.kw; tap++) {
    if (gate(tap) == 0.0) { continue; }
    let off = ((tap / params.kw) * params.dh * params.wp + (tap % params.kw) * params.dw) * cq;
    var wi = tap * params.cp * oq + min(col, params.op - 4u) / 4u;
    var wj = tap * params.cp * oq + min(col + 32u, params.op - 4u) / 4u;
    for (var c = off; c < off + cq; c++) {
      let bm = mat4x4f(wp[wi], wp[wi + oq], wp[wi + 2u * oq], wp[wi + 3u * oq]);
      // With TN = 32 bn is never read (the compiler drops the branch).
      var bn = bm;
      if (TN > 32u) { bn = mat4x4f(wp[wj], wp[wj + oq], wp[wj + 2u * oq], wp[wj + 3u * oq]); }
      wi += 4u * oq;
      wj += 4u * oq;
      sg_update(&acc, 0u, mat4x4f(xp[b0[0] + c], xp[b0[1] + c], xp[b0[2] + c], xp[b0[3] + c]), bm, bn);
      if (TM > 32u) { sg_update(&acc, 32u, mat4x4f(xp[b1[0] + c], xp[b1[1] + c], xp[b1[2] + c], xp[b1[3] + c]), bm, bn); }
    }
  }
  let pixels = params.ho * params.wo;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= params.n * pixels) { break; }
    let o = (row / pixels) * params.cout * pixels + row % pixels;
    for (var h = 0u; h < TN / 32u; h++) {
      for (var j = 0u; j < 4u; j++) {
        let co = col + 32u * h + j;
        if (co < params.cout) { out[o + co * pixels] = acc[2u * i + h][j] + select(0.0, bias[co], params.has_bias != 0u); }
      }
    }
  }
}

// dy rows p … p+3 at this lane's columns (zero past the last pixel, so K tails add nothing).
fn dy_block(p: u32, colq: u32) -> mat4x4f {
  let m = params.n * params.ho * params.wo;
  let oq = params.op / 4u;
  let z = vec4f(0.0);
  return mat4x4f(select(z, dyp[min(p, m - 1u) * oq + colq], p < m), select(z, dyp[min(p + 1u, m - 1u) * oq + colq], p + 1u < m),
                 select(z, dyp[min(p + 2u, m - 1u) * oq + colq], p + 2u < m), select(z, dyp[min(p + 3u, m - 1u) * oq + colq], p + 3u < m));
}

// A cursor over output pixels in order: the weight gradient walks K = N·HO·WO without integer
// divisions (scalar code per lane on a CPU, and four per pixel otherwise).
struct Walk {
  q: u32,
  n: u32,
  oh: u32,
  ow: u32,
}

// The current pixel's origin (the last pixel's, `last`, past the end: dy reads 0 there); then step.
fn walk_next(w: ptr<function, Walk>, last: u32) -> u32 {
  let o = (((*w).n * params.hp + (*w).oh * params.sh) * params.wp + (*w).ow * params.sw) * (params.cp / 4u);
  let inside = (*w).q < params.n * params.ho * params.wo;
  (*w).q += 1u;
  (*w).ow += 1u;
  if ((*w).ow == params.wo) { (*w).ow = 0u; (*w).oh += 1u; }
  if ((*w).oh == params.ho) { (*w).oh = 0u; (*w).n += 1u; }
  return select(last, o, inside);
}

@compute @workgroup_size(LANES)
fn conv2d_direct_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                 @builtin(subgroup_invocation_id) lane: u32) {
  let t = tile_index(wid, nwg);
  if (t >= params.tiles) { return; }
  let per_tap = params.tiles_m * params.tiles_n;
  let tap = t / per_tap;
  let row0 = ((t % per_tap) / params.tiles_n) * TM;
  let col = (t % params.tiles_n) * TN + 4u * lane;
  let cq = params.cp / 4u;
  let off = ((tap / params.kw) * params.dh * params.wp + (tap % params.kw) * params.dw) * cq;
  let c0 = off + min(row0 + 4u * lane, params.cp - 4u) / 4u;
  let c1 = off + min(row0 + 32u + 4u * lane, params.cp - 4u) / 4u;
  let colq = min(col, params.op - 4u) / 4u;
  let colq2 = min(col + 32u, params.op - 4u) / 4u;
  let g = gate(tap);
  let m = params.n * params.ho * params.wo;
  let last = origin(m - 1u);
  var walk = Walk(0u, 0u, 0u, 0u);
  var acc: RegTile;
  for (var p = 0u; p < select(0u, m, g != 0.0); p += 4u) {
    let o0 = walk_next(&walk, last);
    let o1 = walk_next(&walk, last);
    let o2 = walk_next(&walk, last);
    let o3 = walk_next(&walk, last);
    let bm = dy_block(p, colq);
    var bn = bm;
    if (TN > 32u) { bn = dy_block(p, colq2); }
    sg_update(&acc, 0u, transpose(mat4x4f(xp[o0 + c0], xp[o1 + c0], xp[o2 + c0], xp[o3 + c0])), bm, bn);
    if (TM > 32u) { sg_update(&acc, 32u, transpose(mat4x4f(xp[o0 + c1], xp[o1 + c1], xp[o2 + c1], xp[o3 + c1])), bm, bn); }
  }
  for (var i = 0u; i < TM; i++) {
    let ci = row0 + i;
    if (ci >= params.cin) { break; }
    for (var h = 0u; h < TN / 32u; h++) {
      for (var j = 0u; j < 4u; j++) {
        let co = col + 32u * h + j;
        if (co < params.cout) { out[(co * params.cin + ci) * params.kh * params.kw + tap] = g * acc[2u * i + h][j]; }
      }
    }
  }
}

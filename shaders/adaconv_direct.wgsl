// adaconv_direct.wgsl — AdaConv (docs/superad.md#adaconv) as implicit GEMMs with subgroup register
// tiles: the fast plan of src/ops/adaconv.ts on devices whose subgroups have ≥ 8 lanes (the plan
// of conv2d_direct.wgsl, with a gathered operand). A separate file from adaconv.wgsl because it
// needs `enable subgroups`, which would stop the portable kernels from compiling elsewhere.
//
// AdaConv is conv2d's implicit GEMM except that tap r of pixel p reads the source pixel
// sel[r, p] (u32 [kk, HW], INVALID: a zero) instead of p + offset(r). So:
// adaconv_pack: src [C, HW] (read) → packed [HW + 1, CP/4] vec4: channels-last, channels padded to
//   CP (a multiple of 4) with zeros, and one extra pixel HW of zeros, which INVALID taps and the
//   K tails of the weight gradient read.
// adaconv_pack_weight: src [O, C, kk] (read) → packed [kk, CP, OP/4] (flip = 0: packed[r, c, o] =
//   W[o, c, r], forward) or [kk, OP, CP/4] (flip = 1: packed[r, o, c] = W[o, c, r], dInput).
// adaconv_readers: sel → readers [kk, HW, words] u32 (zeroed by the host), words = ⌈side²/32⌉,
//   side = 2·radius + 1: bit (py − qy + radius)·side + (px − qx + radius) of readers[r, q] is set
//   when sel[r, p] = q. A pixel reads q only within Chebyshev distance `radius` (also through
//   reflection), so every reader has a bit. One invocation per (r, p), an integer atomicOr:
//   OR commutes, so the masks are the same bits whatever the order.
// adaconv_direct_product: out [NCOLS, HW] (NCHW) = bias·has_bias + Σ_r Σ_k A_r[row, k] · wp[r, k, col]
//   with wp [kk, KP, NP/4] (the forward weight, KP = CP, NP = OP) and A_r's row `row` the packed
//   pixel sel[r, row] of `a` (x packed): the forward.
// adaconv_direct_input: dyp [HW + 1, OP/4] (dy packed), readers, wp [kk, OP, CP/4] (flipped)
//   → out = dx [C, HW]: dx[c, q] = Σ_r Σ_o (Σ_{p: sel[r, p] = q} dy[o, p]) · W[o, c, r], the same
//   product with rows q whose A operand of tap r sums dy over q's readers, in ascending bit order
//   (row-major reader order) — a fixed order, no float atomics, the same bits on every run. Each
//   lane sums its 4 rows' readers for 32 channels (a loop of the busiest lane's reader count, so
//   the broadcasts stay uniform), then the 8 steps of K run as in the forward. Tiles 32 rows.
// adaconv_direct_backward_weight: a = x packed, dyp → out [O, C, kk]:
//   out[o, c, r] = Σ_p x[c, sel[r, p]] · dy[o, p] (one product per tap with K = HW; no reduction
//   pass). Rows are input channels, columns output channels.
//
// Tiling (conv2d_direct.wgsl's plan): a workgroup is one subgroup of 8 lanes owning TM rows × TN
// columns (32 or 64 each); per step of 4 along K, lane l loads the 4×4 block of rows 4l … 4l+3
// (and 32 + 4l …) as vec4s and spreads it with subgroupBroadcast (regtile.wgsl), and loads its own
// 4×4 block of the other operand for columns 4l … 4l+3 (and 32 + 4l …). The product loads its
// rows' selected sources once per tap (4 or 8 u32 per lane); the weight gradient loads the
// selection of 8 pixels once per 8 pixels (lane l, pixel p + l) and broadcasts it.
// Dispatch: packs and readers one item per invocation, WG per workgroup; products one
// workgroup per tile, tiles numbered column tile fastest; grids beyond 65,535 workgroups fold into y.
// Edges: rows past the last clamp on load (finite, never stored); columns past NP clamp to the
// last vec4; K tails read the zero pixel.
// Numerics: f32 accumulation, 4 products of K per step in order, taps in order; dInput first sums
// each tap's readers' dy (in reader order), then multiplies.
enable subgroups;

override WG: u32 = 64;
// Rows per product tile: 32 or 64 (each sg_update covers 32 rows).
override TM: u32 = 32;
// Columns per product tile: 32 or 64 (lane l owns columns 4l … 4l+3 of every 32; regtile.wgsl).
override TN: u32 = 32;
const LANES = 8u;
const INVALID = 0xffffffffu;
// vec4s of dy channels adaconv_direct_input sums per reader pass (32 channels).
const IN_VEC4 = 8u;

struct Params {
  // pixels, image height and width, taps
  hw: u32,
  h: u32,
  w: u32,
  kk: u32,
  // channels of a pack's source, and the packed count (a multiple of 4)
  c: u32,
  cp: u32,
  // the weight: output channels O, input channels C, padded to 4 (OP, CP); flip: dInput's layout
  o: u32,
  op: u32,
  flip: u32,
  // the product: K per tap (padded to 4), columns padded to 4, real columns
  kp: u32,
  np: u32,
  ncols: u32,
  has_bias: u32,
  tiles: u32,
  tiles_n: u32,
  // the scatter: Chebyshev radius of the selection, channel blocks of BLOCK_VEC4 vec4s
  radius: u32,
  blocks: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> sel: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> wp: array<vec4f>;
@group(0) @binding(4) var<storage, read> dyp: array<vec4f>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> packed: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;
@group(0) @binding(9) var<storage, read_write> readers: array<atomic<u32>>;
@group(0) @binding(10) var<storage, read> readers_in: array<u32>;

fn item(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn adaconv_pack(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = item(gid, nwg);
  let cq = params.cp / 4u;
  if (i >= (params.hw + 1u) * cq) { return; }
  let c0 = (i % cq) * 4u;
  let p = i / cq;
  var v = vec4f(0.0);
  if (p < params.hw) {
    for (var k = 0u; k < 4u; k++) {
      if (c0 + k < params.c) { v[k] = src[(c0 + k) * params.hw + p]; }
    }
  }
  packed[i] = v;
}

@compute @workgroup_size(WG)
fn adaconv_pack_weight(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = item(gid, nwg);
  let flip = params.flip != 0u;
  // rows × vec4 columns per tap: [CP, OP/4] or, flipped, [OP, CP/4]
  let rows = select(params.cp, params.op, flip);
  let nq = select(params.op, params.cp, flip) / 4u;
  if (i >= params.kk * rows * nq) { return; }
  let j0 = (i % nq) * 4u;
  let row = (i / nq) % rows;
  let r = i / (nq * rows);
  var v = vec4f(0.0);
  for (var k = 0u; k < 4u; k++) {
    let co = select(j0 + k, row, flip);
    let ci = select(row, j0 + k, flip);
    if (co < params.o && ci < params.c) { v[k] = src[(co * params.c + ci) * params.kk + r]; }
  }
  packed[i] = v;
}

@compute @workgroup_size(WG)
fn adaconv_readers(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = item(gid, nwg);
  let hw = params.hw;
  if (i >= params.kk * hw) { return; }
  let q = sel[i];
  if (q == INVALID) { return; }
  let p = i % hw;
  let w = params.w;
  let side = 2u * params.radius + 1u;
  // Reader p's place in q's window (row-major), |p − q| ≤ radius on both axes.
  let bit = (p / w + params.radius - q / w) * side + (p % w + params.radius - q % w);
  let words = (side * side + 31u) / 32u;
  atomicOr(&readers[((i - p) + q) * words + bit / 32u], 1u << (bit % 32u));
}

// RegTile, sg_rows and sg_update: shaders/regtile.wgsl, appended by the host (see there).

fn tile_index(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// vec4 index in `a` of row `row`'s source for tap r (rows past the last clamp to it).
fn a_row(r: u32, row: u32) -> u32 {
  let p = min(row, params.hw - 1u);
  let s = sel[r * params.hw + p];
  return select(params.hw, s, s != INVALID) * (params.kp / 4u);
}

@compute @workgroup_size(LANES)
fn adaconv_direct_product(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                          @builtin(subgroup_invocation_id) lane: u32) {
  let t = tile_index(wid, nwg);
  if (t >= params.tiles) { return; }
  let row0 = (t / params.tiles_n) * TM;
  let col = (t % params.tiles_n) * TN + 4u * lane;
  let kq = params.kp / 4u;
  let nq = params.np / 4u;
  let r = row0 + 4u * lane;
  var acc: RegTile;
  for (var tap = 0u; tap < params.kk; tap++) {
    let b0 = array<u32, 4>(a_row(tap, r), a_row(tap, r + 1u), a_row(tap, r + 2u), a_row(tap, r + 3u));
    var b1 = b0;
    if (TM > 32u) { b1 = array<u32, 4>(a_row(tap, r + 32u), a_row(tap, r + 33u), a_row(tap, r + 34u), a_row(tap, r + 35u)); }
    var wi = tap * params.kp * nq + min(col, params.np - 4u) / 4u;
    var wj = tap * params.kp * nq + min(col + 32u, params.np - 4u) / 4u;
    for (var c = 0u; c < kq; c++) {
      let bm = mat4x4f(wp[wi], wp[wi + nq], wp[wi + 2u * nq], wp[wi + 3u * nq]);
      // With TN = 32 bn is never read (the compiler drops the branch).
      var bn = bm;
      if (TN > 32u) { bn = mat4x4f(wp[wj], wp[wj + nq], wp[wj + 2u * nq], wp[wj + 3u * nq]); }
      wi += 4u * nq;
      wj += 4u * nq;
      sg_update(&acc, 0u, mat4x4f(a[b0[0] + c], a[b0[1] + c], a[b0[2] + c], a[b0[3] + c]), bm, bn);
      if (TM > 32u) { sg_update(&acc, 32u, mat4x4f(a[b1[0] + c], a[b1[1] + c], a[b1[2] + c], a[b1[3] + c]), bm, bn); }
    }
  }
  let hw = params.hw;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= hw) { break; }
    for (var h = 0u; h < TN / 32u; h++) {
      for (var j = 0u; j < 4u; j++) {
        let co = col + 32u * h + j;
        if (co < params.ncols) { out[co * hw + row] = acc[2u * i + h][j] + select(0.0, bias[co], params.has_bias != 0u); }
      }
    }
  }
}

// Which of a lane's 4 rows gives the next reader: the first with bits left.
fn first_row(m: vec4u) -> u32 {
  return select(select(select(3u, 2u, m[2] != 0u), 1u, m[1] != 0u), 0u, m[0] != 0u);
}

@compute @workgroup_size(LANES)
fn adaconv_direct_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(subgroup_invocation_id) lane: u32) {
  let t = tile_index(wid, nwg);
  if (t >= params.tiles) { return; }
  let row0 = (t / params.tiles_n) * 32u;
  let col = (t % params.tiles_n) * TN + 4u * lane;
  let oq = params.op / 4u;
  let nq = params.cp / 4u;
  let hw = params.hw;
  let w = params.w;
  let r = row0 + 4u * lane;
  let side = 2u * params.radius + 1u;
  let words = (side * side + 31u) / 32u;
  let inv_side = ((1u << 24u) + side - 1u) / side;
  // Pixel of reader bit 0 of each row's window (row-major bits: + (n / side)·w + n % side).
  let corner = vec4i(vec4u(r, r + 1u, r + 2u, r + 3u)) - vec4i(i32(params.radius * (w + 1u)));
  let valid = vec4u(r, r + 1u, r + 2u, r + 3u) < vec4u(hw);
  var acc: RegTile;
  for (var tap = 0u; tap < params.kk; tap++) {
    for (var ch0 = 0u; ch0 < oq; ch0 += IN_VEC4) {
      // This lane's 4 rows of dy summed over their readers, channels ch0 … ch0 + 31 (zeroed
      // explicitly: a declaration without an initializer was not re-zeroed per iteration here).
      var a0 = array<vec4f, IN_VEC4>();
      var a1 = array<vec4f, IN_VEC4>();
      var a2 = array<vec4f, IN_VEC4>();
      var a3 = array<vec4f, IN_VEC4>();
      for (var wd = 0u; wd < words; wd++) {
        let base = tap * hw * words + wd;
        var m = vec4u(0u);
        for (var i = 0u; i < 4u; i++) {
          if (valid[i]) { m[i] = readers_in[(r + i) * words + base]; }
        }
        // Uniform trip count (the busiest lane's readers): the broadcasts below need every lane.
        let trips = subgroupMax(countOneBits(m[0]) + countOneBits(m[1]) + countOneBits(m[2]) + countOneBits(m[3]));
        for (var it = 0u; it < trips; it++) {
          if (all(m == vec4u(0u))) { continue; }
          let i = first_row(m);
          let n = 32u * wd + firstTrailingBit(m[i]);
          m[i] &= m[i] - 1u;
          // n / side by a multiply (exact for n < side², side < 256): no per-lane division.
          let ny = (n * inv_side) >> 24u;
          let o = u32(corner[i] + i32(ny * w + (n - ny * side))) * oq;
          var v: array<vec4f, IN_VEC4>;
          for (var j = 0u; j < IN_VEC4; j++) { v[j] = dyp[o + min(ch0 + j, oq - 1u)]; }
          // Into row i's sums by selects (no divergent branches).
          let z = vec4f(0.0);
          for (var j = 0u; j < IN_VEC4; j++) {
            a0[j] += select(z, v[j], i == 0u);
            a1[j] += select(z, v[j], i == 1u);
            a2[j] += select(z, v[j], i == 2u);
            a3[j] += select(z, v[j], i == 3u);
          }
        }
      }
      var wi = (tap * params.op + 4u * ch0) * nq + min(col, params.cp - 4u) / 4u;
      var wj = (tap * params.op + 4u * ch0) * nq + min(col + 32u, params.cp - 4u) / 4u;
      for (var j = 0u; j < IN_VEC4; j++) {
        if (ch0 + j >= oq) { break; }
        let bm = mat4x4f(wp[wi], wp[wi + nq], wp[wi + 2u * nq], wp[wi + 3u * nq]);
        var bn = bm;
        if (TN > 32u) { bn = mat4x4f(wp[wj], wp[wj + nq], wp[wj + 2u * nq], wp[wj + 3u * nq]); }
        wi += 4u * nq;
        wj += 4u * nq;
        sg_update(&acc, 0u, mat4x4f(a0[j], a1[j], a2[j], a3[j]), bm, bn);
      }
    }
  }
  for (var i = 0u; i < 32u; i++) {
    let row = row0 + i;
    if (row >= hw) { break; }
    for (var h = 0u; h < TN / 32u; h++) {
      for (var j = 0u; j < 4u; j++) {
        let ci = col + 32u * h + j;
        if (ci < params.c) { out[ci * hw + row] = acc[2u * i + h][j]; }
      }
    }
  }
}

// dy rows p … p+3 at vec4 column colq (rows past the last read the zero pixel).
fn dy_block(p: u32, colq: u32) -> mat4x4f {
  let oq = params.op / 4u;
  let hw = params.hw;
  return mat4x4f(dyp[min(p, hw) * oq + colq], dyp[min(p + 1u, hw) * oq + colq], dyp[min(p + 2u, hw) * oq + colq], dyp[min(p + 3u, hw) * oq + colq]);
}

// x at 4 pixels (vec4 indices of their starts in `a`) and channel vec4 cv, transposed so that
// column j holds channel j over the 4 pixels (the lane's 4×4 block of rows along K).
fn x_block(s: vec4u, cv: u32) -> mat4x4f {
  return transpose(mat4x4f(a[s[0] + cv], a[s[1] + cv], a[s[2] + cv], a[s[3] + cv]));
}

@compute @workgroup_size(LANES)
fn adaconv_direct_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                  @builtin(subgroup_invocation_id) lane: u32) {
  let t = tile_index(wid, nwg);
  if (t >= params.tiles) { return; }
  let tiles_m = (params.cp + TM - 1u) / TM;
  let per_tap = tiles_m * params.tiles_n;
  let tap = t / per_tap;
  let row0 = ((t % per_tap) / params.tiles_n) * TM;
  let col = (t % params.tiles_n) * TN + 4u * lane;
  let cq = params.cp / 4u;
  let c0 = min(row0 + 4u * lane, params.cp - 4u) / 4u;
  let c1 = min(row0 + 32u + 4u * lane, params.cp - 4u) / 4u;
  let colq = min(col, params.op - 4u) / 4u;
  let colq2 = min(col + 32u, params.op - 4u) / 4u;
  let hw = params.hw;
  var acc: RegTile;
  for (var p = 0u; p < hw; p += 8u) {
    // This lane's pixel p + lane: its selected source (the zero pixel past the end), broadcast.
    let mine = p + lane;
    let s = select(INVALID, sel[tap * hw + min(mine, hw - 1u)], mine < hw);
    let sv = select(hw, s, s != INVALID) * cq;
    // Lane ids must be constants: the two steps of 4 pixels spelled out.
    let o0 = vec4u(subgroupBroadcast(sv, 0u), subgroupBroadcast(sv, 1u), subgroupBroadcast(sv, 2u), subgroupBroadcast(sv, 3u));
    let o1 = vec4u(subgroupBroadcast(sv, 4u), subgroupBroadcast(sv, 5u), subgroupBroadcast(sv, 6u), subgroupBroadcast(sv, 7u));
    var bm = dy_block(p, colq);
    var bn = bm;
    if (TN > 32u) { bn = dy_block(p, colq2); }
    sg_update(&acc, 0u, x_block(o0, c0), bm, bn);
    if (TM > 32u) { sg_update(&acc, 32u, x_block(o0, c1), bm, bn); }
    bm = dy_block(p + 4u, colq);
    bn = bm;
    if (TN > 32u) { bn = dy_block(p + 4u, colq2); }
    sg_update(&acc, 0u, x_block(o1, c0), bm, bn);
    if (TM > 32u) { sg_update(&acc, 32u, x_block(o1, c1), bm, bn); }
  }
  for (var i = 0u; i < TM; i++) {
    let ci = row0 + i;
    if (ci >= params.c) { break; }
    for (var h = 0u; h < TN / 32u; h++) {
      for (var j = 0u; j < 4u; j++) {
        let co = col + 32u * h + j;
        if (co < params.o) { out[(co * params.c + ci) * params.kk + tap] = acc[2u * i + h][j]; }
      }
    }
  }
}

// matmul.wgsl — batched matrix product C = op(A) · op(B), op = identity or transpose.
//
// Bindings: A [..., M, K] (or [..., K, M] read transposed when trans_a = 1) and B [..., K, N]
// (or [..., N, K] when trans_b = 1), both read-only and row-major; C [batch, M, N] contiguous,
// read_write. Transposed operands are read in place through lda/ldb, never copied. Each output
// matrix bi has its A and B at element offsets found from the collapsed, broadcast batch shape
// params.shape[0 .. rank) and strides sa/sb (0 along broadcast batch dimensions).
// The scalar entries (a, b: array<f32>) take any shape; the *_vec4 entries (a4, b4:
// array<vec4f>) need the dimension each operand is stored contiguously along, and K, to be
// multiples of 4 (src/ops/matmul.ts checks), so every load is one vec4.
//
// Tiling plan (docs/engine.md#performance: storage loads are what costs on lavapipe, barriers and
// workgroup memory are slow there, subgroupBroadcast is nearly free):
// - matmul_forward_subgroup[_vec4]: a workgroup is one subgroup of 8 lanes and owns a tile of
//   TM rows × TN columns (32 or 64 each). Per step of 4 along k, lane l loads the 4×4 block of
//   A for rows 4l … 4l+3 (and 32 + 4l … with TM = 64) and the 4×4 blocks of B for its columns
//   4l … 4l+3 (and 32 + 4l … with TN = 64); the A rows reach every lane through
//   subgroupBroadcast (lane ids must be constants, hence the unrolled sg_update). Needs a
//   subgroup of at least 8 lanes: with a larger one the workgroup is one partial subgroup;
//   src/ops/matmul.ts selects it only then.
// - matmul_forward_tiled[_vec4]: no subgroups; each invocation owns an 8 × 8 register tile
//   (two 4×4 blocks of A and of B per step along k), workgroups of WG invocations.
// Dispatch: one workgroup (subgroup kernel) or one invocation (tiled) per output tile; tiles
// are numbered row tile fastest, then column tile, then batch (consecutive tiles share B's
// column panel: 1.1–1.2× on lavapipe at 1024³ against column tile fastest), and grids beyond
// 65,535 workgroups fold into y (tile t = wid.x + wid.y · nwg.x).
// Edges: rows and columns past M and N are clamped to the last one on load (finite values,
// never stored); the scalar path reads 0 past K, the vec4 path has K a multiple of 4.
// Numerics: f32 accumulation in k order within each 4-step; C has no beta term.
//
// The subgroup entries sit between the BEGIN/END subgroups markers below; on a device without
// the subgroups feature src/ops/matmul.ts blanks that region and the enable line before
// compiling (line numbers in compiler messages are kept).
enable subgroups;

// Rows per subgroup tile: 32 or 64 (the unrolled sg_update covers 32 rows per call).
override TM: u32 = 32;
// Columns per subgroup tile: 32 or 64 (each lane owns 4 of every 32; read by regtile.wgsl).
override TN: u32 = 32;
// Invocations per workgroup of the tiled kernel (multiple of 8: lavapipe runs 8 lanes at once).
override WG: u32 = 64;

// The tiled kernel's register tile (read by src/ops/matmul.ts).
const TILED_ROWS = 8u;
const TILED_COLS = 8u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  tiles: u32,
  tiles_m: u32,
  tiles_n: u32,
  lda: u32,
  ldb: u32,
  trans_a: u32,
  trans_b: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  sa: array<vec4u, 2>,
  sb: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> a4: array<vec4f>;
@group(0) @binding(3) var<storage, read> b4: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

struct Tile {
  row0: u32,
  col0: u32,
  oa: u32,
  ob: u32,
  oc: u32,
}

// Tile t of tm × tn outputs: its first row and column and the offsets of its A, B and C.
fn tile_of(t: u32, tm: u32, tn: u32) -> Tile {
  let rest = t / params.tiles_m;
  let bi = rest / params.tiles_n;
  var rem = bi;
  var oa = 0u;
  var ob = 0u;
  for (var d = params.rank; d > 0u; d--) {
    let i = d - 1u;
    let size = params.shape[i / 4u][i % 4u];
    let coord = rem % size;
    rem /= size;
    oa += coord * params.sa[i / 4u][i % 4u];
    ob += coord * params.sb[i / 4u][i % 4u];
  }
  return Tile((t % params.tiles_m) * tm, (rest % params.tiles_n) * tn, oa, ob, bi * params.m * params.n);
}

// Block loaders. An A block holds rows r … r+3 at k … k+3 as columns (column j = row r+j along
// k); a B block holds rows k … k+3 at columns c … c+3 (column j = row k+j of B), so that
// B-block · A-column is one output row's contribution.

// Past K, A reads 0 and B a finite in-range value, so the product is 0.
fn a_at(o: u32, r: u32, k: u32) -> f32 {
  let rr = min(r, params.m - 1u);
  let kk = min(k, params.k - 1u);
  let i = select(rr * params.lda + kk, kk * params.lda + rr, params.trans_a != 0u);
  return select(0.0, a[o + i], k < params.k);
}

fn b_at(o: u32, k: u32, col: u32) -> f32 {
  let cc = min(col, params.n - 1u);
  let kk = min(k, params.k - 1u);
  return b[o + select(kk * params.ldb + cc, cc * params.ldb + kk, params.trans_b != 0u)];
}

fn a_row(o: u32, r: u32, k: u32) -> vec4f {
  return vec4f(a_at(o, r, k), a_at(o, r, k + 1u), a_at(o, r, k + 2u), a_at(o, r, k + 3u));
}

fn b_row(o: u32, k: u32, col: u32) -> vec4f {
  return vec4f(b_at(o, k, col), b_at(o, k, col + 1u), b_at(o, k, col + 2u), b_at(o, k, col + 3u));
}

fn a_block(o: u32, r: u32, k: u32) -> mat4x4f {
  return mat4x4f(a_row(o, r, k), a_row(o, r + 1u, k), a_row(o, r + 2u, k), a_row(o, r + 3u, k));
}

fn b_block(o: u32, k: u32, col: u32) -> mat4x4f {
  return mat4x4f(b_row(o, k, col), b_row(o, k + 1u, col), b_row(o, k + 2u, col), b_row(o, k + 3u, col));
}

// vec4 loads: A stored [M, K] gives one vec4 per row; stored [K, M] one vec4 per k, transposed.
fn a_block4(o: u32, r: u32, k: u32) -> mat4x4f {
  let ld = params.lda;
  if (params.trans_a == 0u) {
    let last = params.m - 1u;
    let i = (o + k) / 4u;
    return mat4x4f(a4[i + min(r, last) * ld / 4u], a4[i + min(r + 1u, last) * ld / 4u],
                   a4[i + min(r + 2u, last) * ld / 4u], a4[i + min(r + 3u, last) * ld / 4u]);
  }
  let i = (o + k * ld + min(r, params.m - 4u)) / 4u;
  let s = ld / 4u;
  return transpose(mat4x4f(a4[i], a4[i + s], a4[i + 2u * s], a4[i + 3u * s]));
}

fn b_block4(o: u32, k: u32, col: u32) -> mat4x4f {
  let ld = params.ldb;
  if (params.trans_b == 0u) {
    let i = (o + k * ld + min(col, params.n - 4u)) / 4u;
    let s = ld / 4u;
    return mat4x4f(b4[i], b4[i + s], b4[i + 2u * s], b4[i + 3u * s]);
  }
  let last = params.n - 1u;
  let i = (o + k) / 4u;
  return transpose(mat4x4f(b4[i + min(col, last) * ld / 4u], b4[i + min(col + 1u, last) * ld / 4u],
                           b4[i + min(col + 2u, last) * ld / 4u], b4[i + min(col + 3u, last) * ld / 4u]));
}

// C[row, col … col+3] = v, inside M × N only.
fn store_quad(oc: u32, row: u32, col: u32, v: vec4f) {
  if (row >= params.m) { return; }
  let o = oc + row * params.n;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < params.n) { c[o + col + j] = v[j]; }
  }
}

// BEGIN subgroups
// Lanes per subgroup tile: the workgroup size, and the lane ids 0 … 7 named in sg_update.
const SUBGROUP_LANES = 8u;

// RegTile, sg_rows and sg_update: shaders/regtile.wgsl, appended by the host (see there).
fn sg_store(acc: ptr<function, RegTile>, tile: Tile, col: u32) {
  for (var i = 0u; i < TM; i++) {
    store_quad(tile.oc, tile.row0 + i, col, (*acc)[2u * i]);
    if (TN > 32u) { store_quad(tile.oc, tile.row0 + i, col + 32u, (*acc)[2u * i + 1u]); }
  }
}

@compute @workgroup_size(SUBGROUP_LANES)
fn matmul_forward_subgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                           @builtin(subgroup_invocation_id) lane: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= params.tiles) { return; }
  let tile = tile_of(t, TM, TN);
  let row = tile.row0 + 4u * lane;
  let col = tile.col0 + 4u * lane;
  var acc: RegTile;
  for (var k = 0u; k < params.k; k += 4u) {
    let bm = b_block(tile.ob, k, col);
    // With TN = 32 bn is never read (the compiler drops the branch).
    var bn = bm;
    if (TN > 32u) { bn = b_block(tile.ob, k, col + 32u); }
    sg_update(&acc, 0u, a_block(tile.oa, row, k), bm, bn);
    if (TM > 32u) { sg_update(&acc, 32u, a_block(tile.oa, row + 32u, k), bm, bn); }
  }
  sg_store(&acc, tile, col);
}

@compute @workgroup_size(SUBGROUP_LANES)
fn matmul_forward_subgroup_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                                @builtin(subgroup_invocation_id) lane: u32) {
  let t = wid.x + wid.y * nwg.x;
  if (t >= params.tiles) { return; }
  let tile = tile_of(t, TM, TN);
  let row = tile.row0 + 4u * lane;
  let col = tile.col0 + 4u * lane;
  var acc: RegTile;
  for (var k = 0u; k < params.k; k += 4u) {
    let bm = b_block4(tile.ob, k, col);
    var bn = bm;
    if (TN > 32u) { bn = b_block4(tile.ob, k, col + 32u); }
    sg_update(&acc, 0u, a_block4(tile.oa, row, k), bm, bn);
    if (TM > 32u) { sg_update(&acc, 32u, a_block4(tile.oa, row + 32u, k), bm, bn); }
  }
  sg_store(&acc, tile, col);
}
// END subgroups

alias TiledAcc = array<vec4f, 16>;

// Rows i … i+3 of the 8 × 8 tile (acc[2·row + column quad]) += blk's rows times (b0 | b1).
fn tiled_update(acc: ptr<function, TiledAcc>, i: u32, blk: mat4x4f, b0: mat4x4f, b1: mat4x4f) {
  (*acc)[2u * i] += b0 * blk[0];
  (*acc)[2u * i + 1u] += b1 * blk[0];
  (*acc)[2u * i + 2u] += b0 * blk[1];
  (*acc)[2u * i + 3u] += b1 * blk[1];
  (*acc)[2u * i + 4u] += b0 * blk[2];
  (*acc)[2u * i + 5u] += b1 * blk[2];
  (*acc)[2u * i + 6u] += b0 * blk[3];
  (*acc)[2u * i + 7u] += b1 * blk[3];
}

fn tiled_store(acc: ptr<function, TiledAcc>, tile: Tile) {
  for (var i = 0u; i < TILED_ROWS; i++) {
    store_quad(tile.oc, tile.row0 + i, tile.col0, (*acc)[2u * i]);
    store_quad(tile.oc, tile.row0 + i, tile.col0 + 4u, (*acc)[2u * i + 1u]);
  }
}

@compute @workgroup_size(WG)
fn matmul_forward_tiled(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= params.tiles) { return; }
  let tile = tile_of(t, TILED_ROWS, TILED_COLS);
  var acc: TiledAcc;
  for (var k = 0u; k < params.k; k += 4u) {
    let b0 = b_block(tile.ob, k, tile.col0);
    let b1 = b_block(tile.ob, k, tile.col0 + 4u);
    tiled_update(&acc, 0u, a_block(tile.oa, tile.row0, k), b0, b1);
    tiled_update(&acc, 4u, a_block(tile.oa, tile.row0 + 4u, k), b0, b1);
  }
  tiled_store(&acc, tile);
}

@compute @workgroup_size(WG)
fn matmul_forward_tiled_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * WG;
  if (t >= params.tiles) { return; }
  let tile = tile_of(t, TILED_ROWS, TILED_COLS);
  var acc: TiledAcc;
  for (var k = 0u; k < params.k; k += 4u) {
    let b0 = b_block4(tile.ob, k, tile.col0);
    let b1 = b_block4(tile.ob, k, tile.col0 + 4u);
    tiled_update(&acc, 0u, a_block4(tile.oa, tile.row0, k), b0, b1);
    tiled_update(&acc, 4u, a_block4(tile.oa, tile.row0 + 4u, k), b0, b1);
  }
  tiled_store(&acc, tile);
}

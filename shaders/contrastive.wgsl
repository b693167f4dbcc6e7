// contrastive.wgsl — fused NT-Xent (InfoNCE) loss over two views, forward and backward, that
// never materialises the M × M similarity matrix (M = 2N rows).
//
// Rows: row a < N is zi[a], row a ≥ N is zj[a − N]; the positive of row a is pos(a) = a ± N.
// z = x / max(‖x‖, 1e-12) (torch.nn.functional.normalize), s_ab = z_a·z_b / τ,
// ℓ_a = lse_{b≠a}(s_ab) − s_a,pos(a), loss = Σ_a ℓ_a / M (src/ops/contrastive.ts sums).
//
// nt_xent_normalize: zi [N, D], zj [N, D] (read) → zn [M, D4] vec4 rows zero-padded to
//   D4 = ⌈D/4⌉ vec4, inv [M] vec2 (1/max(‖x‖, eps), 1 when ‖x‖ > eps else 0). One row per invocation.
// nt_xent_forward: zn → part [P, M] vec2 (running max m, Σ exp(s − m)) of row a over the
//   columns of partial p = [p·block, min((p+1)·block, M)). ROWS rows per invocation (the four
//   lanes of a vec4), columns in register tiles of COLS: each step loads ROWS + COLS vec4 and
//   does ROWS·COLS vec4 dots (storage loads are the scarce resource on lavapipe,
//   docs/engine.md#performance).
//   Per tile the online log-sum-exp rescales once (flash-attention style). Grid: x (folded into
//   y) over ⌈M/ROWS⌉ invocations, z = partial index.
// nt_xent_merge: part, zn → lse [M], loss [M] (ℓ_a). One row per invocation; merges the P
//   partials in ascending order (deterministic).
// nt_xent_backward: zn, inv, lse, dy [1] (read) → acc [M, D4] (scratch), dxi, dxj [N, D].
//   dL/dz_a = g/(Mτ) · Σ_{b≠a} (p_ab + p_ba − 2δ_{b,pos(a)}) z_b with p_ab = exp(s_ab − lse_a),
//   since z_a enters both its own row and every other row's column. Similarities are recomputed
//   per tile; each invocation owns ROWS rows of acc, so no atomics. Then back through the
//   normalisation: dx = (dz − z (z·dz)) / ‖x‖, or dz / eps where the norm was clamped.
// Materialised path (src/ops/contrastive.ts takes it when the M × M matrix fits its budget; the
// products run on the engine's matmul, which is far faster than tile_dots):
// nt_xent_rows: sim [M, M] = zn znᵀ (unscaled) → lse [M], loss [M]. One row per invocation, a
//   single pass with an online log-sum-exp over b ≠ a.
// nt_xent_grad_matrix: sim, lse_in → gmat [M, M], gmat_ab = p_ab + p_ba − 2δ_{b,pos(a)} (0 on the
//   diagonal); sim is symmetric, so s_ba = s_ab. One invocation per entry.
// nt_xent_backward_finish: acc [M, D4] = gmat · zn (by matmul), zn, inv_in, dy → dxi, dxj. One
//   row per invocation (finish_row).
// Numerics: max identities ±3.40282346e38, exp clamped at −87 (no denormals, no Inf/NaN).

override WG: u32 = 8;

/** Rows per invocation (vec4 lanes) and columns per register tile; read by contrastive.ts. */
const NT_ROWS = 4u;
const NT_COLS = 16u;
const NEG_BIG = -3.40282346e38;

struct Params {
  n: u32,
  d: u32,
  d4: u32,
  block: u32,
  inv_tau: f32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> zi: array<f32>;
@group(0) @binding(1) var<storage, read> zj: array<f32>;
@group(0) @binding(2) var<storage, read_write> zn: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> inv: array<vec2f>;
@group(0) @binding(4) var<storage, read> z: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> part: array<vec2f>;
@group(0) @binding(6) var<storage, read> parts: array<vec2f>;
@group(0) @binding(7) var<storage, read_write> lse: array<f32>;
@group(0) @binding(8) var<storage, read_write> loss: array<f32>;
@group(0) @binding(9) var<storage, read> lse_in: array<f32>;
@group(0) @binding(10) var<storage, read> inv_in: array<vec2f>;
@group(0) @binding(11) var<storage, read> dy: array<f32>;
@group(0) @binding(12) var<storage, read_write> acc: array<vec4f>;
@group(0) @binding(13) var<storage, read_write> dxi: array<f32>;
@group(0) @binding(14) var<storage, read_write> dxj: array<f32>;
@group(0) @binding(15) var<uniform> params: Params;
@group(0) @binding(16) var<storage, read> sim: array<f32>;
@group(0) @binding(17) var<storage, read_write> gmat: array<f32>;

fn safe_exp(v: f32) -> f32 {
  return select(exp(max(v, -87.0)), 0.0, v < -87.0);
}

fn safe_exp4(v: vec4f) -> vec4f {
  return select(exp(max(v, vec4f(-87.0))), vec4f(0.0), v < vec4f(-87.0));
}

fn pos_of(a: u32) -> u32 {
  return select(a + params.n, a - params.n, a >= params.n);
}

fn input_at(a: u32, k: u32) -> f32 {
  if (a < params.n) { return zi[a * params.d + k]; }
  return zj[(a - params.n) * params.d + k];
}

@compute @workgroup_size(WG)
fn nt_xent_normalize(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let a = gid.x + gid.y * nwg.x * WG;
  if (a >= 2u * params.n) { return; }
  var ss = 0.0;
  for (var k = 0u; k < params.d; k++) { let v = input_at(a, k); ss += v * v; }
  let norm = sqrt(ss);
  let r = 1.0 / max(norm, params.eps);
  inv[a] = vec2f(r, select(0.0, 1.0, norm > params.eps));
  for (var k4 = 0u; k4 < params.d4; k4++) {
    var v = vec4f(0.0);
    for (var c = 0u; c < 4u; c++) {
      let k = k4 * 4u + c;
      if (k < params.d) { v[c] = input_at(a, k) * r; }
    }
    zn[a * params.d4 + k4] = v;
  }
}

/** ROWS·COLS similarities s[c][r] = z_{a0+r}·z_{b0+c} / τ (rows and columns clamped to M − 1). */
fn tile_dots(a0: u32, b0: u32, m: u32) -> array<vec4f, NT_COLS> {
  var t: array<vec4f, NT_COLS>;
  let d4 = params.d4;
  var ra: array<u32, NT_ROWS>;
  for (var r = 0u; r < NT_ROWS; r++) { ra[r] = min(a0 + r, m - 1u) * d4; }
  var cb: array<u32, NT_COLS>;
  for (var c = 0u; c < NT_COLS; c++) { cb[c] = min(b0 + c, m - 1u) * d4; }
  for (var k = 0u; k < d4; k++) {
    let z0 = z[ra[0] + k];
    let z1 = z[ra[1] + k];
    let z2 = z[ra[2] + k];
    let z3 = z[ra[3] + k];
    for (var c = 0u; c < NT_COLS; c++) {
      let zb = z[cb[c] + k];
      t[c] += vec4f(dot(z0, zb), dot(z1, zb), dot(z2, zb), dot(z3, zb));
    }
  }
  for (var c = 0u; c < NT_COLS; c++) { t[c] *= params.inv_tau; }
  return t;
}

/** Which of the ROWS rows take column b as a logit: real column, not the row itself. */
fn col_mask(a0: u32, b: u32, end: u32) -> vec4<bool> {
  let rows = vec4u(a0, a0 + 1u, a0 + 2u, a0 + 3u);
  return (rows != vec4u(b)) & vec4<bool>(b < end);
}

@compute @workgroup_size(WG)
fn nt_xent_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let a0 = (gid.x + gid.y * nwg.x * WG) * NT_ROWS;
  if (a0 >= m) { return; }
  let p = gid.z;
  let start = p * params.block;
  let end = min(start + params.block, m);
  var mx = vec4f(NEG_BIG);
  var sm = vec4f(0.0);
  for (var b0 = start; b0 < end; b0 += NT_COLS) {
    var t = tile_dots(a0, b0, m);
    var tmax = vec4f(NEG_BIG);
    for (var c = 0u; c < NT_COLS; c++) { tmax = max(tmax, select(vec4f(NEG_BIG), t[c], col_mask(a0, b0 + c, end))); }
    let mnew = max(mx, tmax);
    var add = vec4f(0.0);
    for (var c = 0u; c < NT_COLS; c++) { add += select(vec4f(0.0), safe_exp4(t[c] - mnew), col_mask(a0, b0 + c, end)); }
    sm = sm * safe_exp4(mx - mnew) + add;
    mx = mnew;
  }
  for (var r = 0u; r < NT_ROWS; r++) {
    if (a0 + r < m) { part[p * m + a0 + r] = vec2f(mx[r], sm[r]); }
  }
}

@compute @workgroup_size(WG)
fn nt_xent_merge(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let a = gid.x + gid.y * nwg.x * WG;
  if (a >= m) { return; }
  let np = (m + params.block - 1u) / params.block;
  var mx = NEG_BIG;
  for (var p = 0u; p < np; p++) { mx = max(mx, parts[p * m + a].x); }
  var sm = 0.0;
  for (var p = 0u; p < np; p++) { let q = parts[p * m + a]; sm += q.y * safe_exp(q.x - mx); }
  var sp = 0.0;
  let b = pos_of(a);
  for (var k = 0u; k < params.d4; k++) { sp += dot(z[a * params.d4 + k], z[b * params.d4 + k]); }
  sp *= params.inv_tau;
  // sm ≥ 1 whenever a row has a logit (the max term contributes exp(0)); M = 2 has only the positive.
  let l = mx + log(max(sm, 1e-30));
  lse[a] = l;
  loss[a] = l - sp;
}

/** Adds Σ_c w[c][r] z_{b0+c} into the acc rows of a0 … a0+3 (first tile writes). */
fn accumulate(a0: u32, b0: u32, m: u32, wv: array<vec4f, NT_COLS>) {
  let d4 = params.d4;
  var w = wv; // a var, so it can be indexed by the loop counter
  var cb: array<u32, NT_COLS>;
  for (var c = 0u; c < NT_COLS; c++) { cb[c] = min(b0 + c, m - 1u) * d4; }
  for (var k = 0u; k < d4; k++) {
    var g0 = vec4f(0.0); var g1 = vec4f(0.0); var g2 = vec4f(0.0); var g3 = vec4f(0.0);
    for (var c = 0u; c < NT_COLS; c++) {
      let zb = z[cb[c] + k];
      g0 += w[c][0] * zb; g1 += w[c][1] * zb; g2 += w[c][2] * zb; g3 += w[c][3] * zb;
    }
    var g = array<vec4f, NT_ROWS>(g0, g1, g2, g3);
    for (var r = 0u; r < NT_ROWS; r++) {
      let a = a0 + r;
      if (a < m) {
        let i = a * d4 + k;
        acc[i] = select(acc[i] + g[r], g[r], b0 == 0u);
      }
    }
  }
}

/** dx of row a from its acc row: through z = x / max(‖x‖, eps), scaled by g. */
fn finish_row(a: u32, g: f32) {
  let d4 = params.d4;
  var zd = 0.0;
  for (var k = 0u; k < d4; k++) { zd += dot(z[a * d4 + k], acc[a * d4 + k]); }
  let iv = inv_in[a];
  let proj = zd * iv.y; // only when the norm was not clamped
  for (var k = 0u; k < params.d; k++) {
    let i = a * d4 + k / 4u;
    let v = g * iv.x * (acc[i][k % 4u] - z[i][k % 4u] * proj);
    if (a < params.n) { dxi[a * params.d + k] = v; } else { dxj[(a - params.n) * params.d + k] = v; }
  }
}

@compute @workgroup_size(WG)
fn nt_xent_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let a0 = (gid.x + gid.y * nwg.x * WG) * NT_ROWS;
  if (a0 >= m) { return; }
  var la: vec4f;
  var pa: vec4u;
  for (var r = 0u; r < NT_ROWS; r++) { la[r] = lse_in[min(a0 + r, m - 1u)]; pa[r] = pos_of(min(a0 + r, m - 1u)); }
  for (var b0 = 0u; b0 < m; b0 += NT_COLS) {
    var t = tile_dots(a0, b0, m);
    var w: array<vec4f, NT_COLS>;
    for (var c = 0u; c < NT_COLS; c++) {
      let b = b0 + c;
      let lb = lse_in[min(b, m - 1u)];
      // Both exponents are ≤ 0 for every kept entry (lse bounds each logit); min keeps masked ones finite.
      let pw = safe_exp4(min(t[c] - la, vec4f(0.0))) + safe_exp4(min(t[c] - vec4f(lb), vec4f(0.0))) - select(vec4f(0.0), vec4f(2.0), pa == vec4u(b));
      w[c] = select(vec4f(0.0), pw, col_mask(a0, b, m));
    }
    accumulate(a0, b0, m, w);
  }
  let g = dy[0] * params.inv_tau / f32(m);
  for (var r = 0u; r < NT_ROWS; r++) {
    if (a0 + r < m) { finish_row(a0 + r, g); }
  }
}

@compute @workgroup_size(WG)
fn nt_xent_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let a = gid.x + gid.y * nwg.x * WG;
  if (a >= m) { return; }
  var mx = NEG_BIG;
  var sm = 0.0;
  for (var b = 0u; b < m; b++) {
    if (b == a) { continue; }
    let v = sim[a * m + b] * params.inv_tau;
    let mnew = max(mx, v);
    sm = sm * safe_exp(mx - mnew) + safe_exp(v - mnew);
    mx = mnew;
  }
  // M = 2 has the positive as its only logit: sm = 1.
  let l = mx + log(max(sm, 1e-30));
  lse[a] = l;
  loss[a] = l - sim[a * m + pos_of(a)] * params.inv_tau;
}

@compute @workgroup_size(WG)
fn nt_xent_grad_matrix(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= m * m) { return; }
  let a = i / m;
  let b = i % m;
  let v = sim[i] * params.inv_tau;
  // Both exponents are ≤ 0 off the diagonal (each lse bounds its row's logits; s is symmetric).
  let w = safe_exp(min(v - lse_in[a], 0.0)) + safe_exp(min(v - lse_in[b], 0.0)) - select(0.0, 2.0, b == pos_of(a));
  gmat[i] = select(w, 0.0, a == b);
}

@compute @workgroup_size(WG)
fn nt_xent_backward_finish(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let m = 2u * params.n;
  let a = gid.x + gid.y * nwg.x * WG;
  if (a >= m) { return; }
  finish_row(a, dy[0] * params.inv_tau / f32(m));
}

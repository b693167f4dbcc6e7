// selfcheck.wgsl — small kernels that prove the GPU runtime works end to end.
//
// selfcheck_forward: y[r] = sum_k x[r, k] * w[k] + bias      (a row-wise dot product)
//   x: [rows, cols] f32 row-major (read), w: [cols] f32 (read), y: [rows] f32 (read_write)
//   params: rows, cols, bias.
// selfcheck_accumulate: y[i] = y[i] + alpha * x[i]           (chains of tiny dispatches)
//   x, y: [n] f32; params: n, alpha.
//
// Dispatch: one invocation per output element, workgroups of WG along x; grids larger than
// 65,535 workgroups fold into y, so the linear index is x + y * (num_workgroups.x * WG).
// Numerics: f32 accumulation in index order; a float64 reference agrees to ~cols·eps·|x||w|.
// Bounds guard first: sizes need not be multiples of WG.

override WG: u32 = 64;

struct Params {
  rows: u32,
  cols: u32,
  bias: f32,
}

struct AccParams {
  n: u32,
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<uniform> acc: AccParams;

fn linear_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn selfcheck_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = linear_index(gid, nwg);
  if (r >= params.rows) { return; }
  var sum = 0.0;
  let base = r * params.cols;
  for (var k = 0u; k < params.cols; k++) {
    sum += x[base + k] * w[k];
  }
  y[r] = sum + params.bias;
}

@compute @workgroup_size(WG)
fn selfcheck_accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg);
  if (i >= acc.n) { return; }
  y[i] = y[i] + acc.alpha * x[i];
}

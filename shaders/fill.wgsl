// fill.wgsl — tensors made on the GPU without a host upload.
//
// fill_forward:   out[i] = bits                        (any 32-bit dtype: the host passes the
//                                                       value's bit pattern)
// arange_forward: out[i] = start + i · step            (DT 0: f32, 1: i32, 2: u32)
//
// Layout: out is contiguous [n], viewed as u32 words. Dispatch: E consecutive elements per
// invocation, workgroups of WG, grids beyond 65,535 workgroups fold into y.
// Numerics: f32 arange computes start + f32(i)·step per element (no accumulated rounding,
// as NumPy); i32/u32 arange is exact modulo 2³².

override WG: u32 = 64;
override E: u32 = 4;
override DT: u32 = 0;

struct Params {
  n: u32,
  bits: u32,
  start_f: f32,
  step_f: f32,
  start_i: i32,
  step_i: i32,
}

@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn fill_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    out[i] = params.bits;
  }
}

@compute @workgroup_size(WG)
fn arange_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    if (DT == 0u) {
      out[i] = bitcast<u32>(params.start_f + f32(i) * params.step_f);
    } else {
      out[i] = bitcast<u32>(params.start_i + i32(i) * params.step_i);
    }
  }
}

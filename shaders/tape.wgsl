// tape.wgsl — the two kernels the autodiff engine (src/autograd/tape.ts) runs itself, so that
// backward() needs no op module loaded: gradients do not depend on import order.
//
// tape_accumulate: out[i] = a[i] + b[i]   (fan-out gradients: the same f32 add as binary.wgsl's
//                                          add on same-shape operands, so results are unchanged)
// tape_seed:       out[i] = 1.0           (the ones gradient of a scalar loss)
//
// Layout: a, b and out are contiguous f32 [n] of one shape. Dispatch: E consecutive elements per
// invocation, workgroups of WG, grids beyond 65,535 workgroups fold into y.

override WG: u32 = 64;
override E: u32 = 4;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn tape_accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    out[i] = a[i] + b[i];
  }
}

@compute @workgroup_size(WG)
fn tape_seed(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let base = (gid.x + gid.y * nwg.x * WG) * E;
  for (var j = 0u; j < E; j++) {
    let i = base + j;
    if (i >= params.n) { return; }
    out[i] = 1.0;
  }
}

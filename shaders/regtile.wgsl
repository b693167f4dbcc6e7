// The register-tile update shared by the subgroup kernels of matmul.wgsl and conv2d_direct.wgsl
// (WGSL has no includes: src/ops/matmul.ts and src/ops/conv2d_direct.ts append this file to their
// shader, after its last line, so compile errors in the main file keep their line numbers).
// A lane holds 64 rows × its 4 columns of the output tile; the rows' A values come from the
// lanes' 4×4 blocks through subgroupBroadcast (measured: 3.5× faster on lavapipe than every
// lane loading the same address). Needs `enable subgroups;` and ≥ 8 lanes per subgroup.

alias RegTile = array<vec4f, 64>;

// acc[i … i+3] += bm · (a0 … a3): four output rows of this lane's four columns.
fn sg_rows(acc: ptr<function, RegTile>, i: u32, bm: mat4x4f, a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f) {
  (*acc)[i] += bm * a0;
  (*acc)[i + 1u] += bm * a1;
  (*acc)[i + 2u] += bm * a2;
  (*acc)[i + 3u] += bm * a3;
}

// Rows r0 + 4l … r0 + 4l + 3 come from lane l's block `blk` (column j = row 4l + j along K);
// lane ids must be constants, hence the unrolling.
fn sg_update(acc: ptr<function, RegTile>, r0: u32, blk: mat4x4f, bm: mat4x4f) {
  sg_rows(acc, r0, bm, subgroupBroadcast(blk[0], 0u), subgroupBroadcast(blk[1], 0u), subgroupBroadcast(blk[2], 0u), subgroupBroadcast(blk[3], 0u));
  sg_rows(acc, r0 + 4u, bm, subgroupBroadcast(blk[0], 1u), subgroupBroadcast(blk[1], 1u), subgroupBroadcast(blk[2], 1u), subgroupBroadcast(blk[3], 1u));
  sg_rows(acc, r0 + 8u, bm, subgroupBroadcast(blk[0], 2u), subgroupBroadcast(blk[1], 2u), subgroupBroadcast(blk[2], 2u), subgroupBroadcast(blk[3], 2u));
  sg_rows(acc, r0 + 12u, bm, subgroupBroadcast(blk[0], 3u), subgroupBroadcast(blk[1], 3u), subgroupBroadcast(blk[2], 3u), subgroupBroadcast(blk[3], 3u));
  sg_rows(acc, r0 + 16u, bm, subgroupBroadcast(blk[0], 4u), subgroupBroadcast(blk[1], 4u), subgroupBroadcast(blk[2], 4u), subgroupBroadcast(blk[3], 4u));
  sg_rows(acc, r0 + 20u, bm, subgroupBroadcast(blk[0], 5u), subgroupBroadcast(blk[1], 5u), subgroupBroadcast(blk[2], 5u), subgroupBroadcast(blk[3], 5u));
  sg_rows(acc, r0 + 24u, bm, subgroupBroadcast(blk[0], 6u), subgroupBroadcast(blk[1], 6u), subgroupBroadcast(blk[2], 6u), subgroupBroadcast(blk[3], 6u));
  sg_rows(acc, r0 + 28u, bm, subgroupBroadcast(blk[0], 7u), subgroupBroadcast(blk[1], 7u), subgroupBroadcast(blk[2], 7u), subgroupBroadcast(blk[3], 7u));
}

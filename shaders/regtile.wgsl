// The register-tile update shared by the subgroup kernels of matmul.wgsl and conv2d_direct.wgsl
// (WGSL has no includes: src/ops/matmul.ts and src/ops/conv2d_direct.ts append this file to their
// shader, after its last line, so compile errors in the main file keep their line numbers).
// A lane holds 64 rows × its 4 or 8 columns of the output tile: columns 4l … 4l+3 of the tile in
// acc[2·row] and, with TN = 64 (an override the including shader declares), columns 32 + 4l … in
// acc[2·row + 1]. The rows' A values come from the lanes' 4×4 blocks through subgroupBroadcast
// (measured: 3.5× faster on lavapipe than every lane loading the same address); a 64-column tile
// spends each broadcast on twice the products. Needs `enable subgroups;` and ≥ 8 lanes.

alias RegTile = array<vec4f, 128>;

// Four output rows i … i+3 += (bm | bn) · (a0 … a3); bn only with TN = 64.
fn sg_rows(acc: ptr<function, RegTile>, i: u32, bm: mat4x4f, bn: mat4x4f, a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f) {
  (*acc)[2u * i] += bm * a0;
  (*acc)[2u * i + 2u] += bm * a1;
  (*acc)[2u * i + 4u] += bm * a2;
  (*acc)[2u * i + 6u] += bm * a3;
  if (TN > 32u) {
    (*acc)[2u * i + 1u] += bn * a0;
    (*acc)[2u * i + 3u] += bn * a1;
    (*acc)[2u * i + 5u] += bn * a2;
    (*acc)[2u * i + 7u] += bn * a3;
  }
}

// Rows r0 + 4l … r0 + 4l + 3 come from lane l's block `blk` (column j = row 4l + j along K);
// lane ids must be constants, hence the unrolling.
fn sg_update(acc: ptr<function, RegTile>, r0: u32, blk: mat4x4f, bm: mat4x4f, bn: mat4x4f) {
  sg_rows(acc, r0, bm, bn, subgroupBroadcast(blk[0], 0u), subgroupBroadcast(blk[1], 0u), subgroupBroadcast(blk[2], 0u), subgroupBroadcast(blk[3], 0u));
  sg_rows(acc, r0 + 4u, bm, bn, subgroupBroadcast(blk[0], 1u), subgroupBroadcast(blk[1], 1u), subgroupBroadcast(blk[2], 1u), subgroupBroadcast(blk[3], 1u));
  sg_rows(acc, r0 + 8u, bm, bn, subgroupBroadcast(blk[0], 2u), subgroupBroadcast(blk[1], 2u), subgroupBroadcast(blk[2], 2u), subgroupBroadcast(blk[3], 2u));
  sg_rows(acc, r0 + 12u, bm, bn, subgroupBroadcast(blk[0], 3u), subgroupBroadcast(blk[1], 3u), subgroupBroadcast(blk[2], 3u), subgroupBroadcast(blk[3], 3u));
  sg_rows(acc, r0 + 16u, bm, bn, subgroupBroadcast(blk[0], 4u), subgroupBroadcast(blk[1], 4u), subgroupBroadcast(blk[2], 4u), subgroupBroadcast(blk[3], 4u));
  sg_rows(acc, r0 + 20u, bm, bn, subgroupBroadcast(blk[0], 5u), subgroupBroadcast(blk[1], 5u), subgroupBroadcast(blk[2], 5u), subgroupBroadcast(blk[3], 5u));
  sg_rows(acc, r0 + 24u, bm, bn, subgroupBroadcast(blk[0], 6u), subgroupBroadcast(blk[1], 6u), subgroupBroadcast(blk[2], 6u), subgroupBroadcast(blk[3], 6u));
  sg_rows(acc, r0 + 28u, bm, bn, subgroupBroadcast(blk[0], 7u), subgroupBroadcast(blk[1], 7u), subgroupBroadcast(blk[2], 7u), subgroupBroadcast(blk[3], 7u));
}

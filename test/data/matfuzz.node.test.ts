/**
 * Fuzz: seeded random corruptions of shared .mat files (bit flips, truncations, byte runs, damaged
 * header and tag fields, length fields included, also inside compressed elements, recompressed so
 * their checksum holds) must end in a DataError or in a result whose shapes agree; for MATLAB's
 * zlib-compressed files a result must equal the original cube (the checksum guards the data).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { unzlibSync, zlibSync } from 'fflate';
import { DataError } from '../../src/data/cube.ts';
import { readMat, readMatMap, type MatReadResult } from '../../src/data/mat.ts';
import { rng } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { writeMat5 } from '../ref/matwriter.ts';

const test = suite('data/matfuzz');

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

/** Whether a level-5 file is little-endian ('IM' at byte 126). */
const isLE = (b: Uint8Array): boolean => b[126] === 0x49;

/** Offsets of the top-level element tags (the test's own walk, not the reader's). */
function topTags(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let off = 128; off + 8 <= b.length; off += 8 + v.getUint32(off + 4, isLE(b))) out.push(off);
  return out;
}

/** Offsets of the sub-element tags inside one miMATRIX element that starts at `m`. */
function subTags(b: Uint8Array, m: number, le = isLE(b)): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = Math.min(b.length, m + 8 + v.getUint32(m + 4, le));
  const out: number[] = [];
  for (let off = m + 8; off + 8 <= end && out.length < 8;) {
    out.push(off);
    const first = v.getUint32(off, le);
    off += first >>> 16 ? 8 : 8 + Math.ceil(v.getUint32(off + 4, le) / 8) * 8;
  }
  return out;
}

/** A damaged field value: zero, all ones, huge, or a small shift of the original. */
function badU32(r: Rand, old: number): number {
  const choices = [0, 0xffffffff, 0x7fffffff, old + 1, old - 1, old + 8, old - 8, old * 2, int(r, 2 ** 32), int(r, 64)];
  return choices[int(r, choices.length)] >>> 0;
}

function corruptField(r: Rand, b: Uint8Array, tagOffsets: number[], le: boolean): void {
  if (tagOffsets.length === 0 || r() < 0.1) return void (b[116 + int(r, 12)] ^= 1 + int(r, 255)); // header fields
  const off = tagOffsets[int(r, tagOffsets.length)] + (r() < 0.7 ? 4 : 0); // length (mostly) or type
  const v = new DataView(b.buffer, b.byteOffset);
  if (off + 4 <= b.length) v.setUint32(off, badU32(r, v.getUint32(off, le)), le);
}

/** Damages a tag inside a compressed element and recompresses it (checksum and sizes stay valid). */
function corruptInside(r: Rand, b: Uint8Array): Uint8Array {
  const tops = topTags(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const off = tops[int(r, tops.length)];
  if (v.getUint32(off, true) !== 15) return b;
  const inner = unzlibSync(b.subarray(off + 8, off + 8 + v.getUint32(off + 4, true)));
  corruptField(r, inner, [0, ...subTags(inner, 0, true)], true); // the shared compressed files are little-endian
  const z = zlibSync(inner);
  const out = new Uint8Array(b.length - v.getUint32(off + 4, true) + z.length);
  out.set(b.subarray(0, off + 4));
  new DataView(out.buffer).setUint32(off + 4, z.length, true);
  out.set(z, off + 8);
  out.set(b.subarray(off + 8 + v.getUint32(off + 4, true)), off + 8 + z.length);
  return out;
}

/** One seeded variant of `orig` and the kind of damage done (HDF5: flips, cuts, runs only). */
function variant(r: Rand, orig: Uint8Array, hdf5: boolean): [Uint8Array, string] {
  const kind = int(r, hdf5 ? 3 : 5);
  if (kind === 1) return [orig.slice(0, int(r, orig.length)), 'truncation'];
  const b = orig.slice();
  // HDF5 metadata (superblock, object headers, chunk index) sits in the first few KiB.
  const span = hdf5 && r() < 0.5 ? 8192 : b.length;
  if (kind === 0) {
    for (let k = 1 + int(r, 8); k > 0; k--) b[int(r, span)] ^= 1 << int(r, 8);
    return [b, 'bit flips'];
  }
  if (kind === 2) {
    const at = int(r, span);
    const fill = [0, 0xff, -1][int(r, 3)];
    for (let i = at; i < Math.min(b.length, at + 1 + int(r, 64)); i++) b[i] = fill < 0 ? int(r, 256) : fill;
    return [b, 'byte run'];
  }
  if (kind === 3) return corruptField(r, b, topTags(orig).flatMap((t) => [t, ...subTags(orig, t)]), isLE(orig)), [b, 'tag field'];
  return [corruptInside(r, b), 'field inside a compressed element'];
}

function consistent(r: MatReadResult): void {
  const { rows, cols, bands, data } = r.cube;
  assert.ok(rows > 0 && cols > 0 && bands > 0 && data.length === rows * cols * bands, 'cube shape and data disagree');
  if (r.map) assert.ok(r.map.rows === rows && r.map.cols === cols && r.map.data.length === rows * cols, 'map and cube disagree');
}

const FILES: [string, number, boolean][] = [
  // file, variants, MATLAB zlib-compressed (a clean decode must equal the original)
  ['had/muufl_tgt_det_demo.mat', 300, true], ['had/HYDICE-II.mat', 150, true], ['clust/muufl_class_demo_struct.mat', 250, true],
  ['clust/SalinasA_gt.mat', 200, true], ['synthetic-be.mat', 150, false], ['synthetic-plain.mat', 150, false],
  // v7.3: HDF5 keeps no checksums on this metadata, so a damaged chunk index can read as fill
  // values (zeros) without an error: shapes are checked, values cannot be (see mat73.ts).
  ['had/Sandiego_v73.mat', 60, false],
];

function synthetic(le: boolean): Uint8Array {
  const n = 17 * 13 * 5;
  return writeMat5([
    { name: 'cube', cls: 'double', stored: 'int16', dims: [17, 13, 5], values: Array.from({ length: n }, (_, i) => (i * 37) % 1000 - 500) },
    { name: 'gt', cls: 'uint8', stored: 'uint8', dims: [17, 13], values: Array.from({ length: 17 * 13 }, (_, i) => i % 3) },
    { name: 'note', cls: 'char', dims: [1, 9] }, { name: 's', cls: 'struct', dims: [1, 2] },
  ], { le });
}

for (const [rel, count, checksummed] of FILES) {
  test(`${count} corrupted variants of ${rel}: DataError or a consistent result`, async () => {
    const orig = rel.startsWith('synthetic') ? synthetic(rel === 'synthetic-plain.mat') : await sharedData(rel);
    if (!orig) return skipMissing('data/matfuzz', rel);
    const load = (b: Uint8Array) => (rel.includes('_gt') ? readMatMap(b, rel).then((map) => ({ cube: { rows: map.rows, cols: map.cols, bands: 1, data: new Float32Array(map.data) }, map, variables: [] })) : readMat(b, rel, { nonFinite: 'zero' }));
    const clean = await load(orig);
    const r = rng(5 + count + rel.length);
    const seen: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < count; i++) {
      const [bytes, kind] = variant(r, orig, rel.includes('v73'));
      const t0 = performance.now();
      try {
        const got = await load(bytes);
        consistent(got as MatReadResult);
        if (checksummed && kind !== 'field inside a compressed element') {
          assert.ok(got.cube.data.every((x, j) => x === clean.cube.data[j]), `${rel} variant ${i} (${kind}): decoded silently to different values`);
        }
        seen.ok = (seen.ok ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof DataError)) assert.unreachable(`${rel} variant ${i} (${kind}): expected DataError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
        seen[kind] = (seen[kind] ?? 0) + 1;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    console.log(`\n  ${rel}: ${JSON.stringify(seen)} (ok = decoded; others = DataError by damage), slowest ${slowest.toFixed(0)} ms`);
    assert.ok(Object.values(seen).reduce((a, b) => a + b, 0) === count);
  });
}

test.run();

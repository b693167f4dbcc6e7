import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { expDet, synthMat, synthScene } from '../../src/data/synth.ts';
import { assertClose, throwsLike } from '../harness/gpu.ts';

const test = suite('data/synth');

/** FNV-1a (32-bit) of the bytes of typed arrays: a checksum computed without the code under test. */
function fnv1a(...arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

test('same options give the same bytes; the checksum is the same on every engine', () => {
  const opts = { rows: 23, cols: 17, bands: 31, anomalies: 5, seed: 7 };
  const a = synthScene(opts);
  const b = synthScene(opts);
  assert.equal(a.cube.data, b.cube.data);
  assert.equal(a.map.data, b.map.data);
  assert.not.equal(fnv1a(synthScene({ ...opts, seed: 8 }).cube.data), fnv1a(a.cube.data));
  // Recorded on Node 20; Chromium must reproduce it bit for bit (no engine-dependent Math).
  assert.is(fnv1a(a.cube.data, a.map.data), CHECKSUM);
  assert.is(fnv1a(synthScene().cube.data), CHECKSUM_DEFAULT);
});

test('expDet matches Math.exp to 1e-15 relative', () => {
  const xs = Array.from({ length: 2001 }, (_, i) => -60 + i * 0.061);
  xs.push(0, -1e-300, 1, -0.5, 700, -700);
  const got = xs.map(expDet);
  assertClose('expDet', got, xs.map(Math.exp), { atol: 0, rtol: 1e-15 });
  assert.is(expDet(-800), 0);
});

test('the cube is the mixing model: abundances sum to 1, targets hold their fraction', () => {
  const s = synthScene({ rows: 40, cols: 30, bands: 20, anomalies: 6, seed: 3, noise: 0 });
  const { rows, cols, bands } = s.cube;
  const plane = rows * cols;
  const k = s.endmembers.length / bands;
  assert.is(k, 4);
  const want = new Float64Array(bands * plane);
  for (let p = 0; p < plane; p++) {
    let sum = 0;
    for (let e = 0; e < k; e++) sum += s.abundances[e * plane + p];
    assert.ok(Math.abs(sum - 1) < 1e-6, `abundances at ${p} sum to ${sum}`);
    const t = s.targets.find((t) => Math.floor(p / cols) - t.row >= 0 && Math.floor(p / cols) - t.row < t.size && (p % cols) - t.col >= 0 && (p % cols) - t.col < t.size);
    assert.is(s.map.data[p], t ? 1 : 0, `map at ${p}`);
    const f = t?.fraction ?? 0;
    for (let b = 0; b < bands; b++) {
      let v = 0;
      for (let e = 0; e < k; e++) v += s.abundances[e * plane + p] * s.endmembers[e * bands + b];
      want[b * plane + p] = (1 - f) * v + f * s.anomalySpectrum[b];
    }
  }
  assertClose('synth mixing', s.cube.data, want, { atol: 1e-6, rtol: 1e-6 });
  assert.is(s.targets.length, 6);
  for (const t of s.targets) assert.ok(t.fraction >= 0.1 && t.fraction <= 0.5 && (t.size === 1 || t.size === 2), JSON.stringify(t));
  assert.is(s.map.data.reduce((a, v) => a + v, 0), s.targets.reduce((a, t) => a + t.size * t.size, 0));
  assert.equal(s.cube.wavelengths?.slice(0, 2), [400, 511]);
});

test('abundances are spatially smooth, the target spectrum is distinct, noise has the asked size', () => {
  const s = synthScene({ rows: 64, cols: 64, bands: 40, anomalies: 8, seed: 11 });
  const plane = 64 * 64;
  let near = 0, far = 0;
  for (let p = 0; p < plane - 65; p++) {
    near += Math.abs(s.abundances[p] - s.abundances[p + 1]);
    far += Math.abs(s.abundances[p] - s.abundances[(p * 7919) % plane]);
  }
  // White noise would give about equal sums; smooth fields give a neighbour sum several times smaller.
  assert.ok(near * 4 < far, `neighbour difference ${near} vs random pairs ${far}`);
  const cos = (a: ArrayLike<number>, off: number): number => {
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < 40; i++) (ab += a[i] * s.endmembers[off + i]), (aa += a[i] ** 2), (bb += s.endmembers[off + i] ** 2);
    return ab / Math.sqrt(aa * bb);
  };
  for (let e = 0; e < 4; e++) assert.ok(cos(s.anomalySpectrum, e * 40) < 0.99, `target vs endmember ${e}: cos ${cos(s.anomalySpectrum, e * 40)}`);
  const clean = synthScene({ rows: 64, cols: 64, bands: 40, anomalies: 8, seed: 11, noise: 0 });
  let ss = 0;
  for (let i = 0; i < clean.cube.data.length; i++) ss += (s.cube.data[i] - clean.cube.data[i]) ** 2;
  const sd = Math.sqrt(ss / clean.cube.data.length);
  assert.ok(Math.abs(sd - 0.005) < 0.0002, `noise sd ${sd}`);
});

test('synthMat writes data, map, fraction and wavelength with MATLAB shapes', () => {
  const s = synthScene({ rows: 5, cols: 4, bands: 3, anomalies: 1, seed: 2 });
  const file = synthMat(s, { compress: false });
  const view = new DataView(file.buffer, file.byteOffset);
  const found: string[] = [];
  for (let at = 128; at < file.length; at += 8 + view.getUint32(at + 4, true)) {
    assert.is(view.getUint32(at, true), 14);
    // Sub-elements: flags (16 bytes), dims tag at +24, dims, then the name.
    const dimsBytes = view.getUint32(at + 28, true);
    const dims = Array.from({ length: dimsBytes / 4 }, (_, i) => view.getInt32(at + 32 + 4 * i, true));
    const nameAt = at + 32 + ((dimsBytes + 7) & ~7);
    const small = view.getUint16(nameAt + 2, true);
    const len = small || view.getUint32(nameAt + 4, true);
    const name = String.fromCharCode(...file.subarray(nameAt + (small ? 4 : 8), nameAt + (small ? 4 : 8) + len));
    found.push(`${name} ${dims.join('x')} class ${file[at + 16]}`);
  }
  assert.equal(found, ['data 5x4x3 class 7', 'map 5x4 class 6', 'fraction 5x4 class 6', 'wavelength 1x3 class 6']);
  assert.ok(synthMat(s).length < file.length);
});

test('impossible requests are refused with the way out', () => {
  throwsLike(() => synthScene({ rows: 5, cols: 5, anomalies: 20 }), DataError, /^synth: anomalies: expected room for 20 separated targets in 5×5, placed \d+; ask for fewer/);
  throwsLike(() => synthScene({ rows: 2 }), DataError, /synth: rows: expected an integer ≥ 3, got 2/);
  throwsLike(() => synthScene({ bands: 1.5 }), DataError, /bands: expected an integer ≥ 1, got 1\.5/);
  throwsLike(() => synthScene({ fraction: [0.6, 0.2] }), DataError, /fraction: expected 0 ≤ lo ≤ hi ≤ 1, got \[0\.6, 0\.2\]/);
});

// Regression pins, not references: these checksums were taken from synthScene's own output when
// it was written (no independent generator exists). They prove that Node and Chromium make the
// same bytes and that a change to the generator is noticed; correctness of the scene itself is
// checked by the tests above (mixing, abundances, target fill fractions, map). A deliberate
// change to synthScene must update both, and say so in its commit.
const CHECKSUM = 'f772c9da';
const CHECKSUM_DEFAULT = '82bc4a6d';

test('targetSize: square panels of the asked sides, separated; the map counts their pixels; bad ranges refused', () => {
  const s = synthScene({ rows: 64, cols: 64, bands: 8, anomalies: 4, targetSize: [5, 7], seed: 2 });
  assert.is(s.targets.length, 4);
  assert.ok(s.targets.every((t) => t.size >= 5 && t.size <= 7), `sizes ${s.targets.map((t) => t.size).join(', ')}`);
  assert.is(s.map.data.reduce((n, v) => n + v, 0), s.targets.reduce((n, t) => n + t.size * t.size, 0));
  for (const t of s.targets) for (let r = t.row; r < t.row + t.size; r++) for (let c = t.col; c < t.col + t.size; c++) assert.is(s.map.data[r * 64 + c], 1);
  throwsLike(() => synthScene({ targetSize: [3, 2] }), DataError, /synth: targetSize: expected integers 1 ≤ lo ≤ hi ≤ 98, got \[3, 2\]/);
});

test.run();

/**
 * MATLAB readers in Node and Chromium: synthetic level-5 files from the independent test writer
 * (test/ref/matwriter.ts; every class and stored type, both byte orders, plain and compressed),
 * bad input, and a few shared scenes (v5 and v7.3) against the scipy checksums.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { OptionError } from '../../src/errors.ts';
import { readNpy } from '../../src/data/npy.ts';
import { readEnvi } from '../../src/data/envi.ts';
import { describeMat, formatMatSummary, listMatVariables, readMat, readMatMap } from '../../src/data/mat.ts';
import { assertClose, rejects } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { writeMat5, type MiType, type NumericVar } from '../ref/matwriter.ts';
import ref from '../ref/mat-checksums.json';

const test = suite('data/mat');
const [R, C, B] = [3, 4, 2];

/** Column-major test values a (class, stored type) pair can hold, one per element. */
function values(stored: MiType, n: number): number[] {
  const span: Partial<Record<MiType, [number, number]>> = {
    int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
    int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1], int64: [-(2 ** 40), 2 ** 40], uint64: [0, 2 ** 41],
  };
  const [lo, hi] = span[stored] ?? [-1, 1];
  if (stored === 'single' || stored === 'double') return Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 1 / 3);
  return Array.from({ length: n }, (_, i) => (i === 0 ? lo : i === 1 ? hi : Math.round(lo + ((hi - lo) * i) / n)));
}

/** Our layout from MATLAB column-major values, rounded to float32 as the cube stores them. */
function expectedCube(col: number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out.push(Math.fround(col[r + R * (c + C * b)]));
  return out;
}

const PAIRS: [string, MiType][] = [
  ['double', 'double'], ['double', 'uint16'], ['double', 'int16'], ['double', 'uint8'], ['double', 'int32'],
  ['single', 'single'], ['single', 'int16'], ['int8', 'int8'], ['uint8', 'uint8'], ['int16', 'int16'], ['int16', 'uint8'],
  ['uint16', 'uint16'], ['int32', 'int32'], ['uint32', 'uint32'], ['int64', 'int64'], ['uint64', 'uint64'], ['logical', 'uint8'],
];

for (const le of [true, false]) {
  for (const compress of [false, true]) {
    test(`every numeric class, ${le ? 'little' : 'big'}-endian, ${compress ? 'compressed' : 'plain'}`, async () => {
      for (const [cls, stored] of PAIRS) {
        const v = values(stored, R * C * B).map((x) => (cls === 'logical' ? x & 1 : x));
        const cube: NumericVar = { name: 'hyperspectral_cube', cls, stored, dims: [R, C, B], values: v };
        const labels: NumericVar = { name: 'gt', cls, stored, dims: [R, C], values: v.slice(0, R * C) };
        const file = writeMat5([cube, labels], { le, compress });
        const got = await readMat(file, `${cls}-${stored}.mat`, { mapKind: 'scores' });
        assert.equal(got.variables.map((x) => [x.name, x.dims, x.class, x.kind]), [['hyperspectral_cube', [R, C, B], cls, 'cube'], ['gt', [R, C], cls, 'map']]);
        assert.equal(Array.from(got.cube.data), expectedCube(v), `${cls} stored as ${stored}`);
        const rowMajor = Array.from({ length: R * C }, (_, i) => Math.fround(v[Math.floor(i / C) + R * (i % C)]));
        assert.equal(Array.from(got.scores!), rowMajor, `${cls} map stored as ${stored}`);
      }
    });
  }
}

test('char, struct and cell variables are listed, not loaded; the cube is found beside them', async () => {
  const file = writeMat5([
    { name: 'c', cls: 'char', dims: [1, 5] }, { name: 'info', cls: 'struct', dims: [1, 2] }, { name: 'ce', cls: 'cell', dims: [1, 2] },
    { name: 'x', cls: 'double', stored: 'uint8', dims: [R, C, B], values: values('uint8', R * C * B) },
  ], { compress: true });
  const vars = await listMatVariables(file, 'mixed.mat');
  assert.equal(vars.map((v) => [v.name, v.dims, v.class, v.kind]), [['c', [1, 5], 'char', 'other'], ['info', [1, 2], 'struct', 'other'], ['ce', [1, 2], 'cell', 'other'], ['x', [R, C, B], 'double', 'cube']]);
  assert.is((await readMat(file, 'mixed.mat')).map, undefined);
  await rejects(readMat(file, 'mixed.mat', { data: 'info' }), DataError, /mixed\.mat: variable info: expected a 3-D real numeric array, got 1×2 struct; variables: c 1×5 char/);
  const text = formatMatSummary(await describeMat(file, 'mixed.mat'));
  assert.match(text, /x {2}3×4×2 {2}double {2}\(cube\) {2}range \[0, 255\] {2}NaN 0 {2}Inf 0/);
});

const cubeVar = (name: string, vals = values('double', R * C * B)): NumericVar => ({ name, cls: 'double', stored: 'double', dims: [R, C, B], values: vals });
const mapVar = (name: string, vals: number[], dims = [R, C]): NumericVar => ({ name, cls: 'double', stored: 'double', dims, values: vals });

test('variables are chosen by name; ambiguity lists the variables with shapes', async () => {
  const two = writeMat5([cubeVar('a'), cubeVar('b'), mapVar('m1', new Array(R * C).fill(0)), mapVar('m2', new Array(R * C).fill(1))]);
  await rejects(readMat(two, 'two.mat'), DataError, /two\.mat: expected one 3-D numeric variable, got 2; name one with data: '<name>'; variables: a 3×4×2 double, b 3×4×2 double, m1 3×4 double, m2 3×4 double/);
  await rejects(readMat(two, 'two.mat', { data: 'b' }), DataError, /expected at most one 3×4 map variable, got 2; name one with map/);
  const got = await readMat(two, 'two.mat', { data: 'b', map: 'm2' });
  assert.equal([got.cube.name, got.map!.name, Array.from(got.map!.data)], ['two.mat:b', 'two.mat:m2', new Array(R * C).fill(1)]);
  const gt = writeMat5([cubeVar('data'), mapVar('fraction', new Array(R * C).fill(0.5)), mapVar('map', new Array(R * C).fill(1))]);
  assert.is((await readMat(gt, 'gt.mat')).map!.name, 'gt.mat:map', 'a conventionally named ground truth settles the choice');
  await rejects(readMat(two, 'two.mat', { data: 'zz' }), DataError, /variable zz: expected a 3-D real numeric array, got no such variable/);
  await rejects(readMat(writeMat5([mapVar('m', new Array(R * C).fill(0))]), 'flat.mat'), DataError, /flat\.mat: expected a 3-D numeric variable \(the cube\), got none/);
});

test('maps: size checked against the cube; labels, anomaly (value > 0) and scores', async () => {
  const wrong = writeMat5([cubeVar('d'), mapVar('m', new Array(C * R).fill(0), [C, R])]);
  await rejects(readMat(wrong, 'w.mat', { map: 'm' }), DataError, /w\.mat:m: map size: expected the cube's 3×4, got 4×3; pass the map/);
  const frac = [0, 0.5, -0.2, 2.5, 0, 0, 0, 0, 0, 0, 0, 0.1];
  const f = writeMat5([cubeVar('d'), mapVar('gt', frac)]);
  const rowMajor = (v: number[]) => Array.from({ length: R * C }, (_, i) => v[Math.floor(i / C) + R * (i % C)]);
  assert.equal(Array.from((await readMat(f, 'f.mat')).map!.data), rowMajor(frac.map((x) => (x > 0 ? 1 : 0))));
  await rejects(readMat(f, 'f.mat', { mapKind: 'labels' }), DataError, /f\.mat:gt: labels: expected integers in int32 range, got fractions/);
  const lab = [0, 3, 1, 2, 2, 0, 7, 1, 1, 0, 0, 5];
  assert.equal(Array.from((await readMat(writeMat5([cubeVar('d'), mapVar('gt', lab)]), 'l.mat')).map!.data), rowMajor(lab));
  const sep = await readMatMap(writeMat5([mapVar('gt', lab)], { compress: true }), 'gt.mat');
  assert.equal([sep.rows, sep.cols, Array.from(sep.data)], [R, C, rowMajor(lab)]);
});

test('NaN in a cube is refused with a count; nonFinite fills it', async () => {
  const v = values('double', R * C * B);
  v[5] = NaN;
  v[7] = Infinity;
  const file = writeMat5([cubeVar('d', v)]);
  await rejects(readMat(file, 'nan.mat'), DataError, /nan\.mat:d: 2 NaN\/Inf values in the cube; pass nonFinite/);
  // v[5] and v[7] (column-major) are band 0's (row 2, col 1) and (row 1, col 2); everything else is kept.
  const filled = (fill: number) => expectedCube(v.map((x, i) => (i === 5 || i === 7 ? fill : x)));
  assert.equal(Array.from((await readMat(file, 'nan.mat', { nonFinite: 'zero' })).cube.data), filled(0));
  const band0 = v.slice(0, R * C).filter(Number.isFinite).map(Math.fround);
  const mean = band0.reduce((s, x) => s + x, 0) / band0.length;
  assertClose('band-mean fill', (await readMat(file, 'nan.mat', { nonFinite: 'band-mean' })).cube.data, filled(mean), { atol: 0, rtol: 1e-7 });
  const [d] = await describeMat(file, 'nan.mat');
  assert.equal([d.nanCount, d.infCount], [1, 1]);
});

test('bad input: truncated, wrong magic, unsupported class, inconsistent or too-large dims', async () => {
  const good = writeMat5([cubeVar('d')], { compress: true });
  await rejects(readMat(good.subarray(0, 100), 'short.mat'), DataError, /short\.mat: truncated: expected a 128-byte MAT-file header, got 100 bytes/);
  await rejects(readMat(good.subarray(0, good.length - 9), 'cut.mat'), DataError, /cut\.mat: truncated: element at byte 128 declares \d+ bytes, only \d+ remain/);
  const magic = good.slice();
  magic[126] = 0x58;
  await rejects(readMat(magic, 'magic.mat'), DataError, /magic\.mat: not a MAT-file: expected a level-5 header .*; pass a MATLAB \.mat file/);
  await rejects(readMat(new TextEncoder().encode('x'.repeat(200)), 'text.mat'), DataError, /not a MAT-file/);
  const huge = writeMat5([{ name: 'big', cls: 'double', stored: 'double', dims: [100000, 100000, 100], values: [1] }]);
  await rejects(listMatVariables(huge, 'huge.mat'), DataError, /huge\.mat:big: size: expected at most 536870912 values, got 100000×100000×100 = 1000000000000; crop/);
  const short = writeMat5([{ name: 'd', cls: 'double', stored: 'uint16', dims: [R, C, B], values: [1, 2, 3] }]);
  await rejects(readMat(short, 's.mat'), DataError, /s\.mat: d: data: expected 3×4×2 = 24 values \(48 bytes\), got 6 bytes/);
  const wide = writeMat5([{ name: 'd', cls: 'uint8', stored: 'int16', dims: [R, C, B], values: values('uint8', R * C * B) }]);
  await rejects(readMat(wide, 'wide.mat'), DataError, /wide\.mat:d: data type: expected one a uint8 can hold, got miINT16/);
  const cls = writeMat5([cubeVar('d')]);
  cls[128 + 16] = 42; // the class byte of the array flags
  await rejects(readMat(cls, 'cls.mat'), DataError, /cls\.mat: array class: expected a MATLAB class code 1–17, got 42/);
  const zbad = good.slice();
  zbad[zbad.length - 1] ^= 1; // the Adler-32 of the only element
  await rejects(readMat(zbad, 'adler.mat'), DataError, /adler\.mat: compressed element at byte 128: zlib checksum does not match/);
});

const REF = ref as unknown as Record<string, Record<string, { dims: number[]; probes: [number[], number][]; sum: number }>>;

async function sharedCheck(rel: string, cubeName: string, mapName: string): Promise<void> {
  const bytes = await sharedData(rel);
  if (!bytes) return skipMissing('data/mat', rel);
  const { cube, map } = await readMat(bytes, rel);
  const want = REF[rel.replace('_v73', '')];
  assert.equal([cube.rows, cube.cols, cube.bands], want[cubeName].dims);
  for (const [[r, c, b], v] of want[cubeName].probes) assert.is(cube.data[(b * cube.rows + r) * cube.cols + c], v, `${rel} (${r}, ${c}, ${b})`);
  // A plain float64 sum of ≤ 2M float32 values is within 1e-9 of the exact (fsum) reference.
  const sum = cube.data.reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(sum - want[cubeName].sum) <= 1e-9 * Math.abs(want[cubeName].sum), `${rel}: sum ${sum}, expected ${want[cubeName].sum}`);
  assert.is(map!.data.reduce((s, x) => s + x, 0), want[mapName].sum);
}

test('a path where bytes belong is refused pointing to readMatFile (and readNpy, readEnvi likewise)', async () => {
  await rejects(readMat('/data/scene.mat' as unknown as Uint8Array, 'scene.mat'), OptionError,
    /^readMat: bytes: expected a Uint8Array or ArrayBuffer with the file's contents, got a string \("\/data\/scene\.mat"\); to read a file by its path use readMatFile\(path\) \(Node\)$/);
  await rejects(listMatVariables(undefined as unknown as Uint8Array, 'x.mat'), OptionError, /^listMatVariables: bytes: expected a Uint8Array or ArrayBuffer .*, got undefined$/);
  await rejects(readMatMap([1, 2] as unknown as Uint8Array, 'x.mat'), OptionError, /^readMatMap: bytes: expected .*, got Array$/);
  assert.throws(() => readNpy('a.npy' as unknown as Uint8Array), (e: Error) => e instanceof OptionError && /^readNpy: bytes: expected .*, got a string \("a\.npy"\)$/.test(e.message));
  await rejects(readEnvi('samples = 1', 'a.raw' as unknown as Uint8Array), OptionError, /^readEnvi: bytes: .*got a string \("a\.raw"\); to read a file by its path use readEnviFile/);
});

test('shared scenes: HYDICE-II and muufl (level 5), Sandiego (v7.3, HDF5)', async () => {
  await sharedCheck('had/HYDICE-II.mat', 'data', 'map');
  await sharedCheck('had/muufl_tgt_det_demo.mat', 'hsi_sub', 'gtImg_sub');
  await sharedCheck('had/Sandiego_v73.mat', 'data', 'map');
});

test.run();

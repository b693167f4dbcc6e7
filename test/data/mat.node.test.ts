/**
 * Every shared .mat scene against the independent scipy checksums (test/ref/mat-checksums.json,
 * made by test/ref/mat-checksums.py): names, dims, classes, sums, sums of squares, probes, min/max,
 * after our layout mapping. Node only (all 13 files); mat.test.ts runs a few in Chromium too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeMat, listMatVariables, readMat, readMatFile, readMatMap } from '../../src/data/mat.ts';
import type { Cube, LabelMap } from '../../src/data/cube.ts';
import { SHARED_MAT_FILES, sharedData, skipMissing } from '../harness/shared-data.ts';
import { writeMat5 } from '../ref/matwriter.ts';
import ref from '../ref/mat-checksums.json';

const test = suite('data/mat (shared files, Node)');

interface RefVar {
  dims: number[];
  class: string;
  sum?: number;
  sumSq?: number;
  probes?: [number[], number][];
  min?: number;
  max?: number;
}
const REF = ref as unknown as Record<string, Record<string, RefVar>>;

/** Neumaier-compensated sums: float64 accumulation of up to 2M values stays within ~1 ulp. */
function sums(data: ArrayLike<number>): { sum: number; sumSq: number } {
  const acc = (f: (x: number) => number): number => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < data.length; i++) {
      const x = f(data[i]);
      const t = s + x;
      c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
      s = t;
    }
    return s + c;
  };
  return { sum: acc((x) => x), sumSq: acc((x) => x * x) };
}

/** Compares values in our layout with the reference taken in MATLAB order. */
function check(what: string, r: RefVar, data: ArrayLike<number>, at: (idx: number[]) => number): void {
  const s = sums(data);
  // The reference sums are exact (math.fsum); ours are compensated float64: 1e-12 relative.
  assert.ok(Math.abs(s.sum - r.sum!) <= 1e-12 * Math.max(1, Math.abs(r.sum!)), `${what}: sum ${s.sum}, expected ${r.sum}`);
  assert.ok(Math.abs(s.sumSq - r.sumSq!) <= 1e-12 * Math.max(1, r.sumSq!), `${what}: sumSq ${s.sumSq}, expected ${r.sumSq}`);
  for (const [idx, v] of r.probes!) assert.is(data[at(idx)], v, `${what}: value at MATLAB (${idx.join(', ')})`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) (min = Math.min(min, data[i])), (max = Math.max(max, data[i]));
  assert.equal([min, max], [r.min, r.max], `${what}: min, max`);
}

const cubeAt = (c: Cube) => ([r, col, b]: number[]) => (b * c.rows + r) * c.cols + col;
const mapAt = (m: LabelMap) => ([r, col]: number[]) => r * m.cols + col;

for (const rel of SHARED_MAT_FILES.filter((f) => !f.includes('v73'))) {
  test(`${rel}: variables, cube and map match scipy`, async () => {
    const bytes = await sharedData(rel);
    if (!bytes) return skipMissing('data/mat', rel);
    const want = REF[rel];
    const vars = await listMatVariables(bytes, rel);
    assert.equal(vars.map((v) => [v.name, v.dims, v.class]).sort(), Object.entries(want).map(([n, v]) => [n, v.dims, v.class]).sort());
    for (const d of await describeMat(bytes, rel)) {
      if (want[d.name].min === undefined) continue;
      assert.equal([Math.fround(d.min!), Math.fround(d.max!), d.nanCount], [want[d.name].min, want[d.name].max, 0], `${d.name}: describe`);
    }
    const cubeVar = vars.find((v) => v.kind === 'cube');
    if (!cubeVar) {
      const map = await readMatMap(bytes, rel);
      return check(`${rel}:${vars[0].name}`, want[vars[0].name], map.data, mapAt(map));
    }
    const { cube, map } = await readMat(bytes, rel);
    assert.equal([cube.rows, cube.cols, cube.bands], cubeVar.dims);
    check(`${rel}:${cubeVar.name}`, want[cubeVar.name], cube.data, cubeAt(cube));
    const mapVar = vars.find((v) => v.kind === 'map');
    assert.is(map === undefined, mapVar === undefined, 'a map is returned exactly when the file has one');
    if (map && mapVar) check(`${rel}:${mapVar.name}`, want[mapVar.name], map.data, mapAt(map));
  });
}

test('readMatFile reads a file by path as readMat reads its bytes; a missing path is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-matfile-'));
  try {
    const values = Array.from({ length: 3 * 4 * 2 }, (_, i) => i * 0.25 - 2);
    const bytes = writeMat5([
      { name: 'scene', cls: 'single', stored: 'single', dims: [3, 4, 2], values },
      { name: 'gt', cls: 'double', stored: 'double', dims: [3, 4], values: [0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0] },
    ], { compress: true });
    const file = path.join(dir, 'small scene.mat');
    writeFileSync(file, bytes);
    const got = await readMatFile(file, { mapKind: 'labels' });
    const want = await readMat(bytes, 'small scene.mat', { mapKind: 'labels' });
    assert.is(got.cube.name, want.cube.name);
    assert.equal([got.cube.rows, got.cube.cols, got.cube.bands], [3, 4, 2]);
    assert.equal(Array.from(got.cube.data), Array.from(want.cube.data));
    assert.equal(Array.from(got.map!.data), Array.from(want.map!.data));
    assert.equal(got.variables, want.variables);
    let err: unknown = null;
    await readMatFile(path.join(dir, 'absent.mat')).catch((e) => (err = e));
    assert.ok(err instanceof Error && /absent\.mat/.test(err.message), `a missing file names it: ${String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Sandiego_v73.mat (HDF5) gives the same cube and map as Sandiego.mat', async () => {
  const [v5, v73] = await Promise.all([sharedData('had/Sandiego.mat'), sharedData('had/Sandiego_v73.mat')]);
  if (!v5 || !v73) return skipMissing('data/mat', 'had/Sandiego_v73.mat');
  const vars = await listMatVariables(v73, 'Sandiego_v73.mat');
  assert.equal(vars.map((v) => [v.name, v.dims, v.class, v.kind]), [['hsi', [100, 100, 189], 'double', 'cube'], ['hsi_gt', [100, 100], 'double', 'map']]);
  const a = await readMat(v5, 'Sandiego.mat');
  const b = await readMat(v73, 'Sandiego_v73.mat');
  assert.equal([b.cube.rows, b.cube.cols, b.cube.bands], [a.cube.rows, a.cube.cols, a.cube.bands]);
  assert.ok(a.cube.data.every((x, i) => x === b.cube.data[i]), 'cubes differ');
  assert.equal(Array.from(b.map!.data), Array.from(a.map!.data));
  check('Sandiego_v73.mat:hsi', REF['had/Sandiego.mat'].data, b.cube.data, cubeAt(b.cube));
});

test.run();

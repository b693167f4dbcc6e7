/**
 * Data selection before a model runs: `--bands` / `--drop-bands` (band numbers, 1-based like
 * ENVI band names and MATLAB, ranges inclusive: `1-100,120-150,160`) and `--crop r0:r1,c0:c1`
 * (1-based, inclusive rows and columns). Syntax is checked when flags are read; numbers against
 * the scene once it is loaded.
 */
import type { Cube, LabelMap } from '../data/cube.ts';
import { UsageError } from './common.ts';

/** Parsed band list: inclusive 1-based ranges. */
export type BandList = [number, number][];

/** Reads `1-100,120-150,160`; throws a usage error naming `flag` on bad syntax. */
export function parseBands(flag: string, spec: string): BandList {
  const out: BandList = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || a < 1 || b < a) throw new UsageError(`--${flag}: expected 1-based band numbers and ranges like 1-100,120-150,160, got ${spec}`);
    out.push([a, b]);
  }
  return out;
}

/** Reads `r0:r1,c0:c1` (1-based, inclusive). */
export function parseCrop(spec: string): [number, number, number, number] {
  const m = /^\s*(\d+):(\d+)\s*,\s*(\d+):(\d+)\s*$/.exec(spec);
  const v = m ? m.slice(1).map(Number) : [];
  if (!m || v[0] < 1 || v[2] < 1 || v[1] < v[0] || v[3] < v[2]) throw new UsageError(`--crop: expected rows and columns r0:r1,c0:c1 (1-based, inclusive, r0 ≤ r1), got ${spec}`);
  return v as [number, number, number, number];
}

/** 0-based band indices kept by --bands (all by default) less --drop-bands, checked against `bands`. */
export function bandIndices(bands: number, keep?: BandList, drop?: BandList): number[] {
  for (const [flag, list] of [['bands', keep], ['drop-bands', drop]] as const) {
    const bad = list?.find(([, b]) => b > bands);
    if (bad) throw new UsageError(`--${flag}: expected band numbers 1..${bands} (1-based; the scene has ${bands} bands), got ${bad[1]}`);
  }
  const on = new Uint8Array(bands).fill(keep ? 0 : 1);
  for (const [a, b] of keep ?? []) on.fill(1, a - 1, b);
  for (const [a, b] of drop ?? []) on.fill(0, a - 1, b);
  const idx = [...on.keys()].filter((i) => on[i]);
  if (idx.length === 0) throw new UsageError('--bands/--drop-bands: expected at least one band left, got none');
  return idx;
}

export interface Selection {
  keep?: BandList;
  drop?: BandList;
  crop?: [number, number, number, number];
}

/** The cube (and map) cut to the selection; the same objects when nothing is selected. */
export function applySelection(cube: Cube, map: LabelMap | undefined, s: Selection): { cube: Cube; map?: LabelMap } {
  if (!s.keep && !s.drop && !s.crop) return { cube, map };
  const [r0, r1, c0, c1] = s.crop ?? [1, cube.rows, 1, cube.cols];
  if (r1 > cube.rows || c1 > cube.cols) throw new UsageError(`--crop: expected rows 1..${cube.rows} and columns 1..${cube.cols} (1-based, inclusive), got ${r0}:${r1},${c0}:${c1}`);
  const bands = bandIndices(cube.bands, s.keep, s.drop);
  const [rows, cols] = [r1 - r0 + 1, c1 - c0 + 1];
  const data = new Float32Array(bands.length * rows * cols);
  bands.forEach((b, k) => {
    for (let r = 0; r < rows; r++) {
      const from = (b * cube.rows + r0 - 1 + r) * cube.cols + c0 - 1;
      data.set(cube.data.subarray(from, from + cols), (k * rows + r) * cols);
    }
  });
  const w = cube.wavelengths;
  const out: Cube = { ...cube, rows, cols, bands: bands.length, data, ...(w ? { wavelengths: bands.map((b) => w[b]) } : {}) };
  if (!map) return { cube: out };
  const m = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) m.set(map.data.subarray((r0 - 1 + r) * map.cols + c0 - 1, (r0 - 1 + r) * map.cols + c0 - 1 + cols), r * cols);
  return { cube: out, map: { ...map, rows, cols, data: m } };
}

/** `hsi inspect <file>`: what a scene file holds, without running anything on the GPU. */
import { stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataError } from '../data/cube.ts';
import { ENVI_RAW_SUFFIXES } from '../data/envi.ts';
import { crsSummary } from '../data/geo.ts';
import { describeMat, readMat, readMatMap, type MatVariableSummary } from '../data/mat.ts';
import { summarizeCube } from '../data/scene.ts';
import { UsageError, type Command } from './common.ts';
import { bandLines, classCounts, crsLines, mapLine, round, table } from './inspectfmt.ts';
import { readBytes, readRasterCube, SCENE_FORMATS } from './scene.ts';

const usage = `usage: hsi inspect <file> [--json]

Lists a scene file's contents: for .mat files every variable with its size, class, value range
and NaN/Inf count, then for the cube its constant bands and NaN/Inf per band, and for a map its
anomaly pixels or pixels per class; for ENVI, GeoTIFF and .npy cubes the size, the value range,
constant bands, NaN/Inf per band, the wavelengths and the CRS. Formats: ${SCENE_FORMATS}.`;

/** A path that is not a scene file gets the file to open instead: a folder's scenes, an ENVI raw file's header. */
async function checkPath(file: string): Promise<void> {
  const s = await stat(file).catch(() => null);
  if (s?.isDirectory()) {
    const scenes = (await readdir(file)).filter((n) => /\.(mat|hdr|tiff?|npy)$/i.test(n)).sort();
    throw new DataError(file, 'path: expected a scene file, got a folder', scenes.length ? `open one of ${scenes.slice(0, 8).join(', ')}${scenes.length > 8 ? ', …' : ''}` : `it holds no ${SCENE_FORMATS} file`);
  }
  const ext = path.extname(file);
  if (ext && ENVI_RAW_SUFFIXES.includes(ext)) {
    const candidates = [`${file}.hdr`, file.slice(0, -ext.length) + '.hdr'];
    const found = [];
    for (const c of candidates) if (await stat(c).catch(() => null)) found.push(c);
    throw new DataError(file, `format: expected the .hdr header of an ENVI raster, got its raw data file (${ext})`, found.length ? `open ${found[0]}` : `open the .hdr file beside it (${path.basename(candidates[1])})`);
  }
}

const matRow = (v: MatVariableSummary): string[] => [
  v.name, v.dims.join('×'), v.class, v.complex ? 'complex: unsupported' : v.kind,
  v.min !== undefined ? `${round(v.min)} … ${round(v.max)}` : '–', v.nanCount !== undefined ? String(v.nanCount) : '–', v.infCount !== undefined ? String(v.infCount) : '–',
];

async function inspectMat(file: string, json: boolean | undefined): Promise<void> {
  const bytes = await readBytes(file);
  const name = path.basename(file);
  const vars = await describeMat(bytes, name);
  const details: Record<string, unknown>[] = [];
  const lines: string[] = [];
  for (const v of vars) {
    if (v.kind === 'cube') {
      const { cube } = await readMat(bytes, name, { data: v.name, map: false, nonFinite: 'keep' });
      const b = bandLines(cube);
      lines.push(...b.lines.map((l) => `${v.name}: ${l}`));
      details.push({ name: v.name, constantBands: b.constant, nonFiniteByBand: Object.fromEntries(b.nonFinite) });
    } else if (v.kind === 'map') {
      const map = await readMatMap(bytes, name, { map: v.name, mapKind: 'labels' }).catch(() => null);
      if (!map) continue; // not integer labels: the table's range says what it holds
      lines.push(`${v.name}: ${mapLine(map)}`);
      details.push({ name: v.name, classes: Object.fromEntries(classCounts(map)) });
    } else if (v.complex) {
      lines.push(`${v.name}: complex is unsupported; save real(${v.name}) and imag(${v.name}) as separate variables`);
    }
  }
  if (json) {
    const byName = new Map(details.map((d) => [d.name, d]));
    console.log(JSON.stringify({ file, variables: vars.map((v) => ({ ...v, ...byName.get(v.name) })) }));
    return;
  }
  console.log(`${file}: ${vars.length} variable${vars.length === 1 ? '' : 's'}`);
  console.log(table([['name', 'size', 'class', 'kind', 'range', 'NaN', 'Inf'], ...vars.map(matRow)]));
  if (lines.length) console.log(lines.join('\n'));
}

async function inspectRaster(file: string, json: boolean | undefined): Promise<void> {
  const cube = await readRasterCube(file);
  const s = summarizeCube(file, cube);
  const b = bandLines(cube);
  if (json) {
    console.log(JSON.stringify({ ...s, nonFiniteByBand: Object.fromEntries(b.nonFinite), crs: crsSummary(cube.geo), geo: cube.geo ?? null }));
    return;
  }
  console.log(`${file}: ${s.rows} rows × ${s.cols} cols × ${s.bands} bands (stored band-sequential as f32)`);
  const facts = [
    `values: ${round(s.min)} … ${round(s.max)}${s.nonFinite ? `, ${s.nonFinite} NaN/Inf` : ', all finite'}`,
    ...(s.wavelengths ? [`wavelengths: ${round(s.wavelengths[0])} … ${round(s.wavelengths[1])}`] : []),
    ...b.lines, ...crsLines(cube.geo),
  ];
  // 'key: value' lines with the values in one column.
  console.log(table(facts.map((l) => [l.slice(0, l.indexOf(': ') + 1), l.slice(l.indexOf(': ') + 2)])));
}

export const inspect: Command = {
  summary: 'list the variables or bands of a scene file',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    await checkPath(file);
    if (path.extname(file).toLowerCase() === '.mat') await inspectMat(file, values.json);
    else await inspectRaster(file, values.json);
    return 0;
  },
};

/** `hsi inspect <file>`: what a scene file holds, without running anything on the GPU. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMat, formatMatSummary } from '../data/mat.ts';
import { UsageError, type Command } from './common.ts';
import { summarizeCube, type CubeSummary } from '../data/scene.ts';
import { readBytes, readRasterCube, SCENE_FORMATS } from './scene.ts';

const usage = `usage: hsi inspect <file> [--json]

Lists a scene file's contents: for .mat files every variable with its shape, class, value
range and NaN/Inf count; for ENVI, GeoTIFF and .npy cubes the shape, the value range, the
NaN/Inf count and the wavelengths. Formats: ${SCENE_FORMATS}.`;

function print(s: CubeSummary): void {
  console.log(`${s.file}: ${s.rows} rows × ${s.cols} cols × ${s.bands} bands (stored band-sequential as f32)`);
  console.log(`values: ${s.min} … ${s.max}${s.nonFinite ? `, ${s.nonFinite} NaN/Inf` : ', all finite'}`);
  if (s.constantBands.length) console.log(`constant bands (no information; z-scores set them to 0): ${s.constantBands.join(', ')}`);
  if (s.wavelengths) console.log(`wavelengths: ${s.wavelengths[0]} … ${s.wavelengths[1]}`);
}

export const inspect: Command = {
  summary: 'list the variables or bands of a scene file',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
    if (positionals.length !== 1) throw new UsageError(`file: expected one scene file, got ${positionals.length}`);
    const file = positionals[0];
    if (path.extname(file).toLowerCase() === '.mat') {
      const vars = await describeMat(await readBytes(file), path.basename(file));
      console.log(values.json ? JSON.stringify({ file, variables: vars }) : `${file}\n${formatMatSummary(vars)}`);
      return 0;
    }
    const s = summarizeCube(file, await readRasterCube(file));
    if (values.json) console.log(JSON.stringify(s));
    else print(s);
    return 0;
  },
};

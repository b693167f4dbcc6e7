/** `hsi synth`: writes a synthetic scene with implanted sub-pixel anomalies (.mat, or .npy + map). */
import { statSync } from 'node:fs';
import { SYNTH_DEFAULTS, synthMat, synthScene, type SynthScene } from '../data/synth.ts';
import { writeNpy } from '../data/npy.ts';
import { sceneExt } from '../data/scene.ts';
import { intOption, parseFlags, UsageError, writeAtomic, type Command } from './common.ts';

const d = SYNTH_DEFAULTS;
const usage = `usage: hsi synth [--rows ${d.rows}] [--cols ${d.cols}] [--bands ${d.bands}] [--anomalies ${d.anomalies}] [--seed ${d.seed}] [--out synth.mat|synth.npy]

Writes a synthetic scene: linear mixing of smooth endmember spectra with spatially smooth
abundances, noise, and implanted sub-pixel anomalies. The format is the extension of --out:
.mat holds \`data\` (rows × cols × bands, single) and \`map\` (the anomaly map), readable by
hsi detect, MATLAB and scipy; .npy holds the cube (rows × cols × bands, float32) and a second
file <name>_gt.npy beside it the map (int32), for hsi detect X.npy --map X_gt.npy. The same
seed gives the same file.`;

/** The files and bytes --out asks for: its extension picks the format. */
function outputs(out: string, scene: SynthScene): [string, Uint8Array][] {
  const ext = sceneExt(out);
  if (ext === '.mat') return [[out, synthMat(scene, { compress: true })]];
  if (ext !== '.npy') throw new UsageError(`--out: expected a file name ending .mat or .npy (the format written), got ${out}`);
  const { rows, cols, bands, data } = scene.cube;
  const hwc = new Float32Array(data.length);
  for (let b = 0; b < bands; b++) for (let p = 0; p < rows * cols; p++) hwc[p * bands + b] = data[b * rows * cols + p];
  return [[out, writeNpy(hwc, [rows, cols, bands])], [out.replace(/\.npy$/i, '_gt.npy'), writeNpy(Int32Array.from(scene.map.data), [rows, cols])]];
}

export const synth: Command = {
  summary: 'write a synthetic scene with implanted anomalies',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { rows: { type: 'string' }, cols: { type: 'string' }, bands: { type: 'string' }, anomalies: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
    if (positionals.length) throw new UsageError(`arguments: expected options only, got ${positionals.join(' ')}`);
    const out = (values.out as string | undefined) ?? 'synth.mat';
    if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out: expected a file name ending .mat or .npy, got the folder ${out}; pass ${out.replace(/\/$/, '')}/synth.mat`);
    const rows = intOption('rows', values.rows as string | undefined, d.rows, 8, 4096);
    const cols = intOption('cols', values.cols as string | undefined, d.cols, 8, 4096);
    const scene = synthScene({
      rows, cols, bands: intOption('bands', values.bands as string | undefined, d.bands, 3, 1024),
      anomalies: intOption('anomalies', values.anomalies as string | undefined, d.anomalies, 0, Math.floor((rows * cols) / 16)),
      seed: intOption('seed', values.seed as string | undefined, d.seed, 0, 2 ** 31 - 1),
    });
    const files = outputs(out, scene);
    for (const [file, bytes] of files) await writeAtomic(file, bytes);
    const px = scene.map.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    console.log(`wrote ${files.map(([f]) => f).join(' and ')}: ${rows}×${cols}×${scene.cube.bands}, ${scene.targets.length} targets (${px} anomaly pixels)`);
    return 0;
  },
};

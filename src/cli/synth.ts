/** `hsi synth`: writes a synthetic scene with implanted sub-pixel anomalies to a .mat file. */
import { parseArgs } from 'node:util';
import { SYNTH_DEFAULTS, synthMat, synthScene } from '../data/synth.ts';
import { intOption, UsageError, writeAtomic, type Command } from './common.ts';

const d = SYNTH_DEFAULTS;
const usage = `usage: hsi synth [--rows ${d.rows}] [--cols ${d.cols}] [--bands ${d.bands}] [--anomalies ${d.anomalies}] [--seed ${d.seed}] [--out synth.mat]

Writes a synthetic scene: linear mixing of smooth endmember spectra with spatially smooth
abundances, noise, and implanted sub-pixel anomalies. The .mat file holds \`data\` (rows × cols ×
bands, single) and \`map\` (the anomaly map), readable by hsi detect, MATLAB and scipy. The same
seed gives the same file.`;

export const synth: Command = {
  summary: 'write a synthetic scene with implanted anomalies',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { rows: { type: 'string' }, cols: { type: 'string' }, bands: { type: 'string' }, anomalies: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
    });
    if (positionals.length) throw new UsageError(`arguments: expected options only, got ${positionals.join(' ')}`);
    const rows = intOption('rows', values.rows, d.rows, 8, 4096);
    const cols = intOption('cols', values.cols, d.cols, 8, 4096);
    const scene = synthScene({
      rows, cols, bands: intOption('bands', values.bands, d.bands, 3, 1024),
      anomalies: intOption('anomalies', values.anomalies, d.anomalies, 0, Math.floor((rows * cols) / 16)),
      seed: intOption('seed', values.seed, d.seed, 0, 2 ** 31 - 1),
    });
    const out = values.out ?? 'synth.mat';
    await writeAtomic(out, synthMat(scene, { compress: true }));
    const px = scene.map.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    console.log(`wrote ${out}: ${rows}×${cols}×${scene.cube.bands}, ${scene.targets.length} targets (${px} anomaly pixels)`);
    return 0;
  },
};

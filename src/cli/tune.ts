/** `hsi tune`: measure the kernel choices on this adapter and save the winners (src/ops/tune.ts). */
import { parseArgs } from 'node:util';
import { createGpu, describeGpu } from '../index.ts';
import { tuneConv2d, tuneMatmul, type ConvShape, type TuneResult } from '../ops/tune.ts';
import { intOption, writeAtomic, type Command } from './common.ts';

const usage = `usage: hsi tune [--bands B] [--size H] [--pd F] [--rounds R] [--out FILE] [--json]

Times every kernel choice (matmul: subgroup tile rows or plain-tile workgroup size; conv2d:
tile rows of the forward, dInput and dWeight products) on this adapter, for the layers BS3LNet
trains on a B-band H×H scene with pixel-shuffle factor F (defaults 205, 100, 2) and for square
matrix products of 256 to 1024, and writes the winners to FILE (default ./hsi-tuning.json).
Use it with \`hsi detect --tuning FILE\` or createGpu({ tuning }). Every choice computes the same
bits, so a table changes speed only. A table is refused on another adapter.`;

/** BS3LNet's conv layers (bs3lnet.ts) on the f² sub-images of an h × h scene. */
function bs3Shapes(bands: number, size: number, f: number): ConvShape[] {
  const sub = Math.ceil(size / f);
  const x = (c: number): number[] => [f * f, c, sub, sub];
  const reflect = (d: number) => ({ padding: d, dilation: d, paddingMode: 'reflect' as const });
  return [
    { input: x(bands), out: 64, kernel: 3, options: reflect(1) },
    { input: x(64), out: 64, kernel: 3, options: reflect(2) },
    { input: x(64), out: bands, kernel: 3, options: reflect(2) },
  ];
}

function line(r: TuneResult): string {
  const times = Object.entries(r.ms).map(([c, ms]) => `${c} ${ms.toFixed(2)}`).join(', ');
  const gain = r.ms[r.fallback] / r.ms[r.choice];
  return `${r.key.padEnd(48)} ${r.choice.padEnd(12)} ${gain.toFixed(2)}× the default (${times} ms)`;
}

export const tune: Command = {
  summary: 'measure kernel tile choices on this adapter and save the winners',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { bands: { type: 'string' }, size: { type: 'string' }, pd: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    });
    const bands = intOption('bands', values.bands, 205, 1, 4096);
    const size = intOption('size', values.size, 100, 4, 4096);
    const pd = intOption('pd', values.pd, 2, 1, 8);
    const rounds = intOption('rounds', values.rounds, 5, 1, 1000);
    const out = values.out ?? 'hsi-tuning.json';
    const gpu = await createGpu();
    try {
      const progress = (done: number, total: number, key: string): void => {
        if (key && !values.json) process.stderr.write(`tuning ${done + 1}/${total}: ${key}\n`);
      };
      const squares = [256, 512, 1024].map((s) => ({ m: s, n: s, k: s }));
      const results = [...await tuneMatmul(gpu, squares, { rounds, onProgress: progress }), ...await tuneConv2d(gpu, bs3Shapes(bands, size, pd), { rounds, onProgress: progress })];
      const table = gpu.tuning.toJSON();
      await writeAtomic(out, JSON.stringify(table, null, 2) + '\n');
      if (values.json) console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, out, results }));
      else {
        for (const r of results) console.log(line(r));
        console.log(`${results.length} entries for ${table.adapter} written to ${out}`);
      }
      return 0;
    } finally {
      gpu.destroy();
    }
  },
};

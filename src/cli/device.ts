/** `hsi info`, `hsi selfcheck` and `hsi demo`: the adapter, a kernel check, a first detection. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGpu, describeGpu, selfCheck, type Gpu, type GpuDescription } from '../index.ts';
import { synthScene } from '../data/synth.ts';
import { interruptible, type Command } from './common.ts';
import { detectScene } from './detect.ts';
import { DEFAULT_MODELS, findModel } from '../models/index.ts';

const DEFAULT_MODEL = DEFAULT_MODELS.detect!;

function printInfo(d: GpuDescription): void {
  const a = d.adapter;
  console.log(`hsi-gpu ${d.package.version} on ${d.platform}, backend ${d.backend}`);
  console.log(`adapter:  ${a.description || a.device || '(no description)'} [vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}${a.isFallbackAdapter ? ', software fallback' : ''}]`);
  if (a.subgroupMinSize) console.log(`subgroups: ${a.subgroupMinSize}..${a.subgroupMaxSize} lanes`);
  console.log(`features: ${d.features.join(', ')}`);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  console.log(`limits:   maxBufferSize ${mib(d.limits.maxBufferSize)}, maxStorageBufferBindingSize ${mib(d.limits.maxStorageBufferBindingSize)}, ` +
    `maxComputeWorkgroupsPerDimension ${d.limits.maxComputeWorkgroupsPerDimension}, maxComputeInvocationsPerWorkgroup ${d.limits.maxComputeInvocationsPerWorkgroup}`);
  console.log(`versions: ${Object.entries(d.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

async function runSelfCheck(gpu: Gpu): Promise<boolean> {
  const r = await selfCheck(gpu);
  const verdict = r.ok ? 'PASS' : 'FAIL';
  console.log(`self-check: ${verdict} — ${r.rows}×${r.cols} row dot products on the GPU vs float64 CPU: ` +
    `max |error| ${r.maxAbsError.toExponential(2)} (bound ${r.tolerance.toExponential(2)}); ` +
    `${r.firstMs.toFixed(0)} ms first run with compilation, ${r.ms.toFixed(1)} ms warm`);
  return r.ok;
}

async function withGpu(fn: (gpu: Gpu) => Promise<number>): Promise<number> {
  const gpu = await createGpu();
  try {
    return await fn(gpu);
  } finally {
    gpu.destroy();
  }
}

export const info: Command = {
  summary: 'describe the WebGPU adapter, backend, limits, features and versions',
  usage: 'usage: hsi info [--json]',
  run: (argv) => withGpu(async (gpu) => {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
    const d = describeGpu(gpu);
    if (values.json) console.log(JSON.stringify(d, null, 2));
    else printInfo(d);
    return 0;
  }),
};

export const selfcheck: Command = {
  summary: 'run a GPU kernel and check it against a float64 CPU reference',
  usage: 'usage: hsi selfcheck',
  run: (argv) => withGpu(async (gpu) => {
    parseArgs({ args: argv, options: {} });
    return (await runSelfCheck(gpu)) ? 0 : 1;
  }),
};

export const demo: Command = {
  summary: 'adapter, self-check, and the default detector on the built-in synthetic scene',
  usage: `usage: hsi demo [--out DIR]

Prints the adapter, runs the self-check, then \`hsi detect\` with the default model (${DEFAULT_MODEL},
fast preset, seed 1) on the built-in synthetic scene (hsi synth's defaults) and prints its AUCs.
Outputs go to --out (default ./hsi-out/synthetic-${DEFAULT_MODEL}/).`,
  run: (argv) => withGpu(async (gpu) => {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
    printInfo(describeGpu(gpu));
    if (!(await runSelfCheck(gpu))) return 1;
    const { cube, map } = synthScene();
    console.log(`synthetic ${cube.rows}×${cube.cols}×${cube.bands} scene (seed 1), ${DEFAULT_MODEL}:`);
    const stop = interruptible();
    try {
      const out = values.out ?? path.join('hsi-out', `synthetic-${DEFAULT_MODEL}`);
      return await detectScene(gpu, { scene: 'synthetic', file: null, cube, map, model: findModel(DEFAULT_MODEL, 'detect'), options: { preset: 'fast', seed: 1 }, out, loadSeconds: 0, signal: stop.signal });
    } finally {
      stop.release();
    }
  }),
};

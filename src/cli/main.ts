/**
 * `hsi` command line: a thin layer over the library.
 *   hsi info [--json]     adapter, backend, limits, features, versions
 *   hsi selfcheck         run a kernel and compare it with a float64 CPU reference
 *   hsi demo              the project's main job on a built-in input (for now: info + self-check)
 */
import { parseArgs } from 'node:util';
import { createGpu, describeGpu, GpuError, selfCheck, type Gpu, type GpuDescription } from '../index.ts';

const USAGE = `usage: hsi <command> [options]

commands:
  info [--json]   describe the WebGPU adapter, backend, limits, features and versions
  selfcheck       run a GPU kernel and check it against a float64 CPU reference
  demo            run the built-in demonstration
  help            show this text

Set DEBUG=1 (timings), 2 (WGSL sources) or 3 (adapter details) for diagnostics.`;

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

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (!['info', 'selfcheck', 'demo'].includes(command)) {
    console.error(`hsi: command: expected one of info, selfcheck, demo, help, got ${command}\n\n${USAGE}`);
    return 2;
  }
  const gpu = await createGpu();
  try {
    if (command === 'info') {
      const d = describeGpu(gpu);
      if (values.json) console.log(JSON.stringify(d, null, 2));
      else printInfo(d);
      return 0;
    }
    if (command === 'demo') printInfo(describeGpu(gpu));
    return (await runSelfCheck(gpu)) ? 0 : 1;
  } finally {
    gpu.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    // Engine errors already say what failed and how to fix it: print them without a stack.
    console.error(e instanceof GpuError ? `hsi: ${e.message}` : e);
    process.exitCode = 1;
  },
);

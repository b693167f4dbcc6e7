/** Node entry of the test bundle: runs the queued suites and reports counts to scripts/test.mjs. */
import { readFileSync, writeFileSync } from 'node:fs';
import { bits, type ParityChannel } from './parity.ts';
import { runQueued, type RunResult } from './run.ts';

export async function main(): Promise<void> {
  const records: Record<string, number[]> = {};
  const parityOut = process.env.HSI_PARITY_FILE;
  const resultOut = process.env.HSI_RESULT_FILE;
  // Each record is written at once: a later native crash must not cost the browser run its
  // parity check as well.
  const record = (name: string, data: Float32Array): void => {
    records[name] = bits(data);
    if (parityOut) writeFileSync(parityOut, JSON.stringify(records));
  };
  const channel: ParityChannel = { env: 'node', record, expected: () => undefined };
  (globalThis as unknown as { __hsiParity: ParityChannel }).__hsiParity = channel;
  // While running, HSI_RESULT_FILE holds the counts so far and the file in progress; only the
  // final write leaves `running` out (scripts/test.mjs tells a crash by it).
  let peakMappings = 0;
  const progress = (file: string | null, sofar: RunResult): void => {
    const now = mappings();
    peakMappings = Math.max(peakMappings, now ?? 0);
    if (resultOut) writeFileSync(resultOut, JSON.stringify({ ...sofar, running: file ?? 'a suite', mappings: now }));
  };
  const result = await runQueued((text) => process.stdout.write(text), progress);
  // scripts/test.mjs reads the counts from HSI_RESULT_FILE; run alone, the bundle prints them.
  if (resultOut) writeFileSync(resultOut, JSON.stringify({ ...result, peakMappings: Math.max(peakMappings, mappings() ?? 0) }));
  else process.stdout.write(`\n${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped\n`);
  // Dawn keeps handles open; leave explicitly once stdout has drained.
  process.stdout.write('', () => process.exit(result.failed > 0 ? 1 : 0));
}

/**
 * The process's memory mappings (Linux), told with a crash: lavapipe dies when a process reaches
 * vm.max_map_count of them (docs/engine.md#bind-groups).
 */
function mappings(): number | undefined {
  try {
    return readFileSync('/proc/self/maps', 'utf8').split('\n').length - 1;
  } catch {
    return undefined;
  }
}

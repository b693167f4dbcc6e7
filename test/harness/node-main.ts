/** Node entry of the test bundle: runs the queued suites and reports counts to scripts/test.mjs. */
import { writeFileSync } from 'node:fs';
import { bits, type ParityChannel } from './parity.ts';
import { runQueued } from './run.ts';

export async function main(): Promise<void> {
  const records: Record<string, number[]> = {};
  const channel: ParityChannel = { env: 'node', record: (name, data) => void (records[name] = bits(data)), expected: () => undefined };
  (globalThis as unknown as { __hsiParity: ParityChannel }).__hsiParity = channel;
  const result = await runQueued((text) => process.stdout.write(text));
  const out = process.env.HSI_PARITY_FILE;
  if (out) writeFileSync(out, JSON.stringify(records));
  // scripts/test.mjs reads the counts from HSI_RESULT_FILE; run alone, the bundle prints them.
  if (process.env.HSI_RESULT_FILE) writeFileSync(process.env.HSI_RESULT_FILE, JSON.stringify(result));
  else process.stdout.write(`\n${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped\n`);
  // Dawn keeps handles open; leave explicitly once stdout has drained.
  process.stdout.write('', () => process.exit(result.failed > 0 ? 1 : 0));
}

/** Browser entry of the test bundle: runs the queued suites and leaves counts on window. */
import type { ParityChannel } from './parity.ts';
import { runQueued, type RunResult } from './run.ts';

interface PageGlobals {
  __hsiParity: ParityChannel;
  __hsiNodeParity?: Record<string, number[]>;
  __hsiResult?: RunResult | { error: string };
}

export async function main(): Promise<void> {
  const g = globalThis as unknown as PageGlobals;
  const node = g.__hsiNodeParity ?? {};
  g.__hsiParity = { env: 'browser', record: () => {}, expected: (name) => node[name] };
  try {
    g.__hsiResult = await runQueued((text) => console.log(text));
  } catch (e) {
    g.__hsiResult = { error: String((e as Error)?.stack ?? e) };
  }
}

/**
 * Runs the uvu suites queued by the test files (uvu in deferred mode, as its CLI does) and
 * returns the counts, so the Node and browser entries can report one total. Tests that called
 * skip() (skip.ts) count as skipped, not passed; tests that uvu did not run because of a
 * `test.only` or `test.skip` in their file count as failures (a stray `.only` must not narrow a
 * suite silently).
 */
import { skipState, type SkipRecord } from './skip.ts';

export interface RunResult {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
  /** Every skip, with its reason, for the summary. */
  skips: SkipRecord[];
}

type SuiteRun = () => Promise<[string | true, number, number, number]>;
type Group = [string | null, ...SuiteRun[]];

/**
 * `progress` is told each file before it runs, with the counts so far, so that a process that dies
 * in native code (Dawn, the Vulkan driver) still leaves where it stopped and what passed before.
 */
export async function runQueued(
  write: (text: string) => void,
  progress?: (file: string | null, sofar: RunResult) => void,
): Promise<RunResult> {
  const queue = (globalThis as unknown as { UVU_QUEUE: Group[] }).UVU_QUEUE;
  const result: RunResult = { passed: 0, failed: 0, skipped: 0, files: 0, skips: [] };
  for (const group of queue) {
    const name = group.shift() as string | null;
    progress?.(name, { ...result, skips: skipState.records.slice() });
    if (name) write(`\n${name}\n`);
    result.files++;
    for (const run of group as SuiteRun[]) {
      const before = skipState.skippedTests;
      const [errors, ran, notRun, total] = await run();
      const skipped = skipState.skippedTests - before;
      result.passed += ran - skipped;
      result.skipped += skipped;
      // A failing before-hook makes uvu return no error text but fewer passes: count by passes.
      result.failed += total - ran;
      if (typeof errors === 'string') write(`\n${errors}\n`);
      if (notRun > 0) {
        result.failed += notRun;
        write(`\n  FAIL ${name ?? 'a suite'}: ${notRun} test(s) not run because of test.only or test.skip: remove it (each counts as a failure)\n`);
      }
    }
  }
  result.skips = skipState.records.slice();
  return result;
}

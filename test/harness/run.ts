/**
 * Runs the uvu suites queued by the test files (uvu in deferred mode, as its CLI does) and
 * returns the counts, so the Node and browser entries can report one total.
 */
export interface RunResult {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
}

type SuiteRun = () => Promise<[string | true, number, number, number]>;
type Group = [string | null, ...SuiteRun[]];

export async function runQueued(write: (text: string) => void): Promise<RunResult> {
  const queue = (globalThis as unknown as { UVU_QUEUE: Group[] }).UVU_QUEUE;
  const result: RunResult = { passed: 0, failed: 0, skipped: 0, files: 0 };
  for (const group of queue) {
    const name = group.shift() as string | null;
    if (name) write(`\n${name}\n`);
    result.files++;
    for (const run of group as SuiteRun[]) {
      const [errors, ran, skipped, total] = await run();
      result.passed += ran;
      // A failing before-hook makes uvu return no error text but fewer passes: count by passes.
      result.failed += total - ran;
      result.skipped += skipped;
      if (typeof errors === 'string') write(`\n${errors}\n`);
    }
  }
  return result;
}

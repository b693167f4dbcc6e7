/**
 * Skips that are counted, not passed. A test that cannot run here calls `skip(reason, what)` and
 * returns; the runner (run.ts) counts it as skipped instead of passed, and the closing line of
 * scripts/test.mjs reads `N passed, N failed, N skipped`. The reason decides whether a skip is
 * expected:
 *   'adapter'     the adapter lacks a feature the test exercises (Chromium's SwiftShader has no
 *                 subgroups): expected, never fails a run.
 *   'host'        the JavaScript host lacks an API the test exercises (Node has no
 *                 createImageBitmap): expected, never fails a run.
 *   'shared-data' a file of ../shared/data is absent: a failure naming where the data belongs,
 *                 unless HSI_ALLOW_MISSING_DATA=1 (Node's environment; scripts/chromium.mjs passes
 *                 it to the page) allows the skip.
 * uvu's own `test.skip` and a stray `test.only` are never expected: run.ts fails the suite.
 */

export type SkipReason = 'adapter' | 'host' | 'shared-data';

export interface SkipRecord {
  reason: SkipReason;
  test: string;
  what: string;
}

interface SkipState {
  current: { name: string; skipped: boolean } | null;
  skippedTests: number;
  records: SkipRecord[];
}

interface HarnessGlobals {
  __hsiSkips?: SkipState;
  __hsiEnv?: { allowMissingData?: boolean };
}

const g = globalThis as unknown as HarnessGlobals;
/** One state per test process, shared by every copy of this module. */
export const skipState: SkipState = (g.__hsiSkips ??= { current: null, skippedTests: 0, records: [] });

/** Whether missing shared data may skip: HSI_ALLOW_MISSING_DATA=1 in Node, or the page flag in a browser. */
export function allowMissingData(): boolean {
  if (g.__hsiEnv) return g.__hsiEnv.allowMissingData === true;
  const env = typeof process !== 'undefined' ? process.env : undefined;
  return env?.HSI_ALLOW_MISSING_DATA === '1';
}

/** Error of a skip that is not allowed here: the test fails with it. */
export class UnexpectedSkipError extends Error {
  override name = 'UnexpectedSkipError';
}

/**
 * Marks the running test as skipped for `reason` (call it, then return). Missing shared data
 * throws instead unless allowed, so the test fails with the way out.
 */
export function skip(reason: SkipReason, what: string): void {
  const test = skipState.current?.name ?? '(outside a test)';
  if (reason === 'shared-data' && !allowMissingData()) {
    throw new UnexpectedSkipError(`${what}; the shared scenes belong in ../shared/data beside the repository root (see ../shared/README.md). ` +
      'Set HSI_ALLOW_MISSING_DATA=1 to skip the tests that need them instead.');
  }
  if (skipState.current) skipState.current.skipped = true;
  skipState.records.push({ reason, test, what });
  console.log(`\n  SKIP (${reason}) ${test}: ${what}`);
}

/** Called by the uvu wrapper (uvu.ts) around every test body. */
export function enterTest(name: string): void {
  skipState.current = { name, skipped: false };
}

/** A test that skipped and then passed counts as skipped; one that threw stays a failure. */
export function leaveTest(passed: boolean): void {
  if (passed && skipState.current?.skipped) skipState.skippedTests++;
  skipState.current = null;
}

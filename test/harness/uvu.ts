/**
 * uvu's `suite` with every test body wrapped so skip.ts knows which test is running. The test
 * bundles (scripts/test.mjs) resolve `import { suite } from 'uvu'` in test files to this module;
 * a file run alone gets plain uvu, where skip() still prints its line.
 */
import { suite as uvuSuite, type Callback, type Test } from 'uvu';
import { enterTest, leaveTest } from './skip.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function suite<T = Record<string, any>>(name = '', state?: T): Test<T> {
  type Handler = Callback<T>;
  const inner = uvuSuite<T>(name, state);
  const wrap = (testName: string, fn: Handler): Handler => async (ctx) => {
    enterTest(`${name} › ${testName}`);
    let passed = false;
    try {
      await fn(ctx);
      passed = true;
    } finally {
      leaveTest(passed);
    }
  };
  const test = ((testName: string, fn: Handler) => inner(testName, wrap(testName, fn))) as Test<T>;
  test.only = (testName: string, fn: Handler) => inner.only(testName, wrap(testName, fn));
  test.skip = inner.skip;
  test.before = inner.before;
  test.after = inner.after;
  test.run = inner.run;
  return test;
}

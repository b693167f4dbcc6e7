/**
 * Shared test helpers: one engine per test process, seeded inputs, and the one closeness
 * rule |got − expected| ≤ atol + rtol·|expected| with a report of the first bad index.
 */
import * as assert from 'uvu/assert';
import { createGpu, type Gpu, type KernelSpec } from '../../src/index.ts';

let shared: Promise<Gpu> | null = null;

/** The engine all tests share (tests that destroy a device make their own). */
export function testGpu(): Promise<Gpu> {
  return (shared ??= createGpu());
}

/** mulberry32: a tiny seeded generator for reproducible inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [lo, hi) from `seed`, as float32. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Asserts elementwise closeness; the failure names the op, first bad index and max difference. */
export function assertClose(op: string, got: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  assert.is(got.length, expected.length, `${op}: length: expected ${expected.length}, got ${got.length}`);
  let firstBad = -1;
  let maxDiff = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - expected[i]);
    const bad = !(d <= tol.atol + tol.rtol * Math.abs(expected[i]));
    if (bad && firstBad < 0) firstBad = i;
    if (!(d <= maxDiff)) maxDiff = d;
  }
  if (firstBad >= 0) {
    assert.unreachable(`${op}: first bad index ${firstBad}: got ${got[firstBad]}, expected ${expected[firstBad]}; ` +
      `max |difference| ${maxDiff} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}

/** Asserts that `p` rejects with an error of class `type` whose message matches `pattern`. */
export async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, type, `expected ${type.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, pattern);
    return e as Error;
  }
  assert.unreachable(`expected a ${type.name} rejection matching ${pattern}, got none`);
  throw new Error('unreachable');
}

/** Asserts that `fn` throws synchronously like rejects() does. */
export function throwsLike(fn: () => unknown, type: new (...a: never[]) => Error, pattern: RegExp): Error {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected ${type.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, pattern);
    return e as Error;
  }
  assert.unreachable(`expected a ${type.name} matching ${pattern}, got none`);
  throw new Error('unreachable');
}

/** The pipeline specs a function creates or reuses, by wrapping gpu.kernel (which kernels ran). */
export function kernelsUsed(gpu: Gpu, fn: () => void): KernelSpec[] {
  const specs: KernelSpec[] = [];
  const orig = gpu.kernel.bind(gpu);
  gpu.kernel = (spec) => (specs.push(spec), orig(spec));
  try {
    fn();
  } finally {
    gpu.kernel = orig;
  }
  return specs;
}

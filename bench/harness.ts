/**
 * Shared by the benchmarks: seeded inputs, timing with warm-up, medians and spread, the TF.js
 * peers (WebGPU on the engine's own Dawn instance, wasm SIMD on one thread) loaded once, and
 * the uniform result record scripts/bench.mjs turns into JSON and a Markdown table.
 * Environment (set by scripts/bench.mjs): BENCH_RUNS timed runs per case (at least 10),
 * BENCH_QUICK=1 smaller cases, BENCH_FILTER a case-name substring (in Chromium,
 * scripts/bench-browser.mjs hands them over as globals).
 */
import * as tf from '@tensorflow/tfjs-core';

export { tf };
// The TF.js peers load Node-only code (the wasm backend's files on disk): they live in
// peers.ts, which scripts/bench-browser.mjs swaps for peers.browser.ts (no peers).
export { announce, loadPeers, tfBackend } from './peers.ts';

/** Timed runs per case: never fewer than 10, so medians and quartiles mean something. */
export const RUNS = Math.max(10, Number(process.env.BENCH_RUNS ?? 10));
/** Quick mode: benchmarks pick smaller cases so the whole suite finishes in minutes. */
export const QUICK = process.env.BENCH_QUICK === '1';
const FILTER = process.env.BENCH_FILTER ?? '';

/** Whether a case named `name` is selected by the runner's --filter (a substring, any case). */
export const selected = (name: string): boolean => name.toLowerCase().includes(FILTER.toLowerCase());

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** First and third quartiles: the spread without the outliers a shared machine produces. */
  q1Ms: number;
  q3Ms: number;
  runs: number;
  /** Derived by `minus` from two measurements, not timed on its own: no ceiling fraction. */
  estimate?: true;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms2 = (v: number): number => +v.toFixed(3);

/** Summary of per-run times in milliseconds. */
export function summarize(ms: number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  return {
    medianMs: ms2(median(s)), minMs: ms2(s[0]), maxMs: ms2(s[s.length - 1]),
    q1Ms: ms2(quantile(s, 0.25)), q3Ms: ms2(quantile(s, 0.75)), runs: s.length,
  };
}

/** `t` with every time divided by `n` (per-op times of a batch of n calls in one sync). */
export const perCall = (t: Timing, n: number): Timing => ({
  medianMs: ms2(t.medianMs / n), minMs: ms2(t.minMs / n), maxMs: ms2(t.maxMs / n), q1Ms: ms2(t.q1Ms / n), q3Ms: ms2(t.q3Ms / n), runs: t.runs,
});

/**
 * The cost of `a` beyond `b` (e.g. backward = forward+backward − forward): an estimate. The spread
 * is `a`'s shifted by `b`'s median (subtracting quartile from quartile could invert them).
 */
export const minus = (a: Timing, b: Timing): Timing => ({
  medianMs: ms2(a.medianMs - b.medianMs), minMs: ms2(a.minMs - b.medianMs), maxMs: ms2(a.maxMs - b.medianMs),
  q1Ms: ms2(a.q1Ms - b.medianMs), q3Ms: ms2(a.q3Ms - b.medianMs), runs: Math.min(a.runs, b.runs), estimate: true,
});

/** Seeded values in [−1, 1) (an LCG: fast for 10⁶ values, quality is irrelevant here). */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

/**
 * RUNS timed calls after `warmup` untimed ones (pipeline JIT, pools). `run` must end in a GPU
 * sync; each call is timed on its own, so every iteration pays its sync.
 */
export async function time(run: () => Promise<void>, runs = RUNS, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

/** GFLOP/s for `flops` at the median time, rounded for the report. */
export const gflops = (flops: number, t: Timing): number => +(flops / t.medianMs / 1e6).toFixed(2);
/** GB/s for `bytes` moved at the median time. */
export const gbps = (bytes: number, t: Timing): number => +(bytes / t.medianMs / 1e6).toFixed(2);

/** One implementation's measurement of a case: `hsi …` for the engine, anything else a peer. */
export type Measured = Timing & { gflops?: number; gbps?: number };

/**
 * The uniform result record of a case. Writers emit it with `emit`; scripts/bench.mjs also
 * derives it from older per-file JSON. Ratios are peer median / hsi median (> 1: hsi faster).
 */
export interface CaseRecord {
  bench: string;
  name: string;
  unit: 'ms';
  /** Work per call, for GFLOP/s or GB/s at each median. */
  flops?: number;
  bytes?: number;
  hsi: Measured;
  peers: Record<string, Measured>;
  ratios: Record<string, number>;
  /** Fraction of the adapter's FMA or copy ceiling (bench/ceiling.bench.ts), when known. */
  ceiling?: number;
}

const RECORD_TAG = '@@bench-record ';

/** Builds the record (rates and ratios filled in) and prints it tagged for the runner. */
export function emit(bench: string, name: string, hsi: Timing, peers: Record<string, Timing>, work: { flops?: number; bytes?: number } = {}): CaseRecord {
  const rate = (t: Timing): Measured => ({
    ...t,
    ...(work.flops ? { gflops: gflops(work.flops, t) } : {}),
    ...(work.bytes ? { gbps: gbps(work.bytes, t) } : {}),
  });
  const rec: CaseRecord = {
    bench, name, unit: 'ms', ...work, hsi: rate(hsi),
    peers: Object.fromEntries(Object.entries(peers).map(([k, t]) => [k, rate(t)])),
    ratios: Object.fromEntries(Object.entries(peers).map(([k, t]) => [k, +(t.medianMs / hsi.medianMs).toFixed(2)])),
  };
  console.log(RECORD_TAG + JSON.stringify(rec));
  const peerText = Object.entries(rec.peers).map(([k, t]) => `${k} ${t.medianMs} ms (${rec.ratios[k]}×)`).join(', ');
  console.error(`${bench} ${name}: hsi ${hsi.medianMs} ms [${hsi.minMs}–${hsi.maxMs}]${peerText ? `; ${peerText}` : ''}`);
  return rec;
}

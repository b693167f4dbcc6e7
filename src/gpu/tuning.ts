/**
 * Per-adapter kernel tuning: which variant of a kernel family (tile rows, workgroup size,
 * subgroup or plain tiles) runs fastest for a class of shapes, chosen by measurement and cached
 * by adapter and shape. The ops (matmul.ts, conv2d_direct.ts) ask `gpu.tuning` for a choice and
 * use their built-in default (the best measured on lavapipe, the adapter CI runs on) when there
 * is none; `tuneMatmul` / `tuneConv2d` in src/ops/tune.ts fill the table, `hsi tune` saves it, and
 * `createGpu({ tuning })` loads a saved one.
 *
 * Only variants that compute every output with the same arithmetic in the same order compete
 * (tile shape and workgroup size change who computes an output, not how), so a tuning table
 * changes speed, never results: test/ops/tune.test.ts checks bit equality of every candidate.
 */
import { GpuUsageError } from './errors.ts';

/** A saved table: the adapter it was measured on and the winner (plus timings) per key. */
export interface TuningTable {
  format: 'hsi-gpu-tuning/1';
  adapter: string;
  entries: Record<string, TuningEntry>;
}

export interface TuningEntry {
  choice: string;
  /** Median milliseconds per candidate, as measured. */
  ms: Record<string, number>;
}

/** The adapter's identity for tuning: vendor, architecture, device and description. */
export function adapterKey(info: GPUAdapterInfo): string {
  return [info.vendor, info.architecture, info.device, info.description].map((s) => s || '-').join(' | ');
}

/** Power-of-two bucket of a dimension (≥ 1): shapes within a factor of two share a choice. */
export function bucket(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

export class Tuning {
  private entries = new Map<string, TuningEntry>();

  constructor(readonly adapter: string) {}

  /** The measured winner for `key`, or undefined (the op then uses its default). */
  get(key: string): string | undefined {
    return this.entries.get(key)?.choice;
  }

  set(key: string, entry: TuningEntry): void {
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  toJSON(): TuningTable {
    return { format: 'hsi-gpu-tuning/1', adapter: this.adapter, entries: Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1))) };
  }

  /**
   * Adds a saved table's entries. A table from another adapter is refused: its winners are
   * another machine's, and the point of tuning is not to be stuck with them.
   */
  load(table: unknown): void {
    const t = table as Partial<TuningTable> | null;
    if (!t || typeof t !== 'object' || t.format !== 'hsi-gpu-tuning/1' || typeof t.entries !== 'object' || t.entries === null) {
      throw new GpuUsageError('tuning', `table: expected an object with format 'hsi-gpu-tuning/1' (written by hsi tune), got ${JSON.stringify(table)?.slice(0, 80)}`);
    }
    if (t.adapter !== this.adapter) {
      throw new GpuUsageError('tuning', `adapter: expected a table measured on '${this.adapter}', got one from '${t.adapter}' (run hsi tune on this machine)`);
    }
    for (const [key, e] of Object.entries(t.entries)) {
      if (typeof e?.choice !== 'string') throw new GpuUsageError('tuning', `entry ${key}: expected { choice: string, ms }, got ${JSON.stringify(e)}`);
      this.entries.set(key, { choice: e.choice, ms: { ...e.ms } });
    }
  }
}

/**
 * Median milliseconds of each candidate, measured in interleaved rounds (so a burst of machine
 * noise hits every candidate alike) after one warm-up each. `run` records work; `sync` waits for
 * the GPU. Candidates that throw (e.g. beyond a limit) are left out.
 */
export async function timeCandidates(names: string[], run: (name: string) => void, sync: () => Promise<void>, rounds: number): Promise<Record<string, number>> {
  const live: string[] = [];
  let failure: unknown = null;
  for (const name of names) {
    try {
      run(name);
      await sync();
      live.push(name);
    } catch (e) {
      failure = e; // a candidate this device cannot run simply does not compete
    }
  }
  if (live.length === 0) throw new GpuUsageError('tuning', `candidates: expected at least one of [${names.join(', ')}] to run, got none (${(failure as Error)?.message})`);
  const times = new Map(live.map((n) => [n, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    for (const name of live) {
      const t0 = performance.now();
      run(name);
      await sync();
      times.get(name)!.push(performance.now() - t0);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, t] of times) out[name] = t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
  return out;
}

/** The fastest candidate; the default wins ties within `margin` (noise must not flip choices). */
export function winner(ms: Record<string, number>, fallback: string, margin = 0.05): string {
  let best = fallback in ms ? fallback : Object.keys(ms)[0];
  for (const [name, t] of Object.entries(ms)) if (t < ms[best] * (1 - margin)) best = name;
  return best;
}

/** A choice forced per device while a function runs (the tuner times each candidate so). */
export class ForcedChoice {
  private forced = new WeakMap<object, string>();

  get(gpu: object): string | undefined {
    return this.forced.get(gpu);
  }

  run<T>(gpu: object, choice: string, fn: () => T): T {
    const before = this.forced.get(gpu);
    this.forced.set(gpu, choice);
    try {
      return fn();
    } finally {
      if (before === undefined) this.forced.delete(gpu);
      else this.forced.set(gpu, before);
    }
  }
}

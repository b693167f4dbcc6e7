/**
 * What every `hsi` command shares: usage errors (exit code 2), option parsing helpers, and
 * files written atomically so an interrupted run never leaves a half-written output.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** An integer option within [lo, hi], or `fallback` when absent. */
export function intOption(name: string, value: string | undefined, fallback: number, lo = 1, hi = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageError(`--${name}: expected an integer in [${lo}, ${hi}], got ${value}`);
  return n;
}

/** One of `choices`, or `fallback` when absent. */
export function choice<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got ${value}`);
  return value as T;
}

/** Writes through a temporary name and renames, so readers never see a partial file. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.partial-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/** The file name without folders and extension (`../data/Sandiego.mat` → `Sandiego`). */
export const sceneStem = (file: string): string => path.basename(file).replace(/\.[^.]+$/, '');

/**
 * Ctrl-C asks the running work to stop (the signal is checked between steps); a second
 * Ctrl-C exits at once. Returns the signal and a function that removes the handler.
 */
export function interruptible(): { signal: AbortSignal; release: () => void } {
  const ctl = new AbortController();
  const onInt = (): void => {
    if (ctl.signal.aborted) process.exit(130);
    process.stderr.write('\nhsi: stopping after the current step (Ctrl-C again to quit now)\n');
    ctl.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: ctl.signal, release: () => process.off('SIGINT', onInt) };
}

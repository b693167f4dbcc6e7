/**
 * What every `hsi` command shares: usage errors (exit code 2), option parsing helpers, and
 * files written atomically so an interrupted run never leaves a half-written output.
 */
import { rmSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

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

/**
 * Creates the missing folders above `dir`, one level at a time: `mkdir -p` loops forever on
 * paths such as /proc/x (ENOENT from a parent that exists), so each level is made once.
 * Returns the folders it created, outermost first.
 */
export async function makeParents(dir: string, flag: string, shown: string): Promise<string[]> {
  const missing: string[] = [];
  let p = path.resolve(dir);
  for (;;) {
    try {
      if (!(await stat(p)).isDirectory()) throw new UsageError(`${flag}: cannot create ${shown}: ${p} is a file, not a folder`);
      break;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      missing.unshift(p);
      if (path.dirname(p) === p) break;
      p = path.dirname(p);
    }
  }
  for (const m of missing) {
    try {
      await mkdir(m);
    } catch (e) {
      throw new UsageError(`${flag}: cannot create ${shown} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message} at ${m}); pick a folder you can write to`);
    }
  }
  return missing;
}

/**
 * Writes through a temporary name and renames, so readers never see a partial file; the
 * temporary file is removed when writing fails. Missing folders above `file` are created
 * (makeParents, which does not loop on /proc-like paths); `flag` names the option in errors.
 */
export async function writeAtomic(file: string, bytes: Uint8Array | string, flag = '--out'): Promise<void> {
  await makeParents(path.dirname(file), flag, file);
  const tmp = `${file}.partial-${process.pid}`;
  const drop = (): void => rmSync(tmp, { force: true });
  process.on('exit', drop);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new UsageError(`${flag}: cannot write ${file} (${code}); pick a file name in a folder you can write to`);
  } finally {
    drop();
    process.off('exit', drop);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with two fixes for a command line: a negative number after a string option is its
 * value (`--epochs -1` reaches the option's range check instead of "ambiguous"), and an option
 * given twice is a usage error instead of the last one silently winning.
 */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (options[name]?.type === 'string' && /^-[\d.]/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  const parsed = parseArgs({ args, options, allowPositionals: true, tokens: true });
  const seen = new Map<string, string[]>();
  for (const t of parsed.tokens ?? []) if (t.kind === 'option') seen.set(t.name, [...(seen.get(t.name) ?? []), t.value ?? 'set']);
  for (const [name, vals] of seen) if (vals.length > 1 && !options[name]?.multiple) throw new UsageError(`--${name}: expected once, got ${vals.length} times (${vals.join(', ')}); pass it once`);
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The file name without folders and extension (`../data/Sandiego.mat` → `Sandiego`). */
export const sceneStem = (file: string): string => path.basename(file).replace(/\.[^.]+$/, '');

/**
 * Ctrl-C asks the running work to stop (the signal is checked between steps); a second
 * Ctrl-C exits at once with 130. Returns the signal and a function that removes the handler;
 * once stopped, the handler stays to the end of the process, so a Ctrl-C while the stopped
 * run winds down (GPU teardown) still exits 130 rather than dying by the signal.
 */
export function interruptible(): { signal: AbortSignal; release: () => void } {
  const ctl = new AbortController();
  const onInt = (): void => {
    if (ctl.signal.aborted) process.exit(130);
    process.stderr.write('\nhsi: stopping after the current step (Ctrl-C again to quit now)\n');
    ctl.abort();
  };
  process.on('SIGINT', onInt);
  return {
    signal: ctl.signal,
    release: () => {
      if (!ctl.signal.aborted) process.off('SIGINT', onInt);
    },
  };
}

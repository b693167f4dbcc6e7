/**
 * The output folder of one run (`--out`): checked before any data is read or any model trains,
 * written as a hidden sibling folder (same filesystem) and renamed into place when complete.
 * So a folder with a summary.json always holds exactly one run's files: a run killed or failing
 * while writing leaves the previous folder untouched, and of two runs writing one --out at once
 * the later rename wins whole. Leftovers of killed runs (hidden `.NAME.partial-PID-*` folders)
 * are removed by the next run on the same --out once their process is gone.
 */
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeParents, UsageError } from './common.ts';

export interface RunFolder {
  /** The final folder (what --out names). */
  out: string;
  /** The temporary folder the run writes into. */
  dir: string;
  /** Moves `dir` into place as `out`, replacing an earlier run's folder. */
  commit(): Promise<void>;
  /** Removes `dir` (and folders created for it); `out` is left as it was. */
  discard(): void;
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** True when `dir`'s entries are exactly an earlier run's: its summary.json names every one of them. */
function isRunFolder(dir: string, entries: string[]): boolean {
  if (!entries.includes('summary.json')) return false;
  try {
    const s = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { files?: Record<string, string> };
    const named = new Set(Object.values(s.files ?? {}).map((f) => f.split('/')[0]));
    return entries.every((e) => named.has(e) || e === 'summary.json');
  } catch {
    return false;
  }
}

/** Refuses an --out that is a file or a folder of files no hsi run wrote (they would be replaced). */
function checkExisting(out: string, flag: string): void {
  let st;
  try {
    st = lstatSync(out);
  } catch {
    return;
  }
  // A link is refused rather than followed: replacing the folder would replace the link.
  if (st.isSymbolicLink()) throw new UsageError(`${flag}: expected a folder, got the symbolic link ${out}; pass the folder it points to`);
  if (!st.isDirectory()) throw new UsageError(`${flag}: expected a folder, got the existing file ${out}; pick another ${flag} or remove the file`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !isRunFolder(out, entries)) {
    throw new UsageError(`${flag}: expected a new folder or one an earlier hsi run wrote (it is replaced), got ${out} holding other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}); pick another ${flag}`);
  }
}

/** Removes `.NAME.partial-PID-*` folders beside `out` whose process has ended (a killed run's leftovers). */
function removeStale(parent: string, base: string): void {
  const re = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:partial|old)-(\\d+)-`);
  let entries: string[] = [];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(re.exec(e)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if (code(err) === 'ESRCH') rmSync(path.join(parent, e), { recursive: true, force: true });
    }
  }
}

/** Checks `out` and creates the run's temporary folder beside it (before any data is read). */
export async function openRun(out: string, flag = '--out'): Promise<RunFolder> {
  checkExisting(out, flag);
  const parent = path.dirname(path.resolve(out));
  const base = path.basename(path.resolve(out));
  const created = await makeParents(parent, flag, out);
  removeStale(parent, base);
  let dir: string;
  try {
    dir = await mkdtemp(path.join(parent, `.${base}.partial-${process.pid}-`));
    // mkdtemp makes the folder private (0700); the run's folder gets the usual permissions.
    await chmod(dir, 0o777 & ~process.umask());
  } catch (e) {
    for (const c of created.reverse()) rmSync(c, { recursive: true, force: true });
    throw new UsageError(`${flag}: cannot write in ${parent} (${code(e)}); pick a folder you can write to`);
  }
  let done = false;
  // A process.exit (a second Ctrl-C) skips finally blocks: the temporary folder goes with the process.
  const onExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.on('exit', onExit);
  return {
    out, dir,
    async commit() {
      await replace(dir, path.resolve(out), parent, base);
      done = true;
      process.off('exit', onExit);
    },
    discard() {
      process.off('exit', onExit);
      if (done) return;
      rmSync(dir, { recursive: true, force: true });
      if (created.length) rmSync(created[0], { recursive: true, force: true });
    },
  };
}

/**
 * Renames `dir` to `out`. A rename onto a non-empty folder fails, so an earlier run's folder is
 * first renamed aside (then removed); when another process moves folders at the same moment the
 * rename is retried, and whichever run renames last is the folder that stays, whole.
 */
async function replace(dir: string, out: string, parent: string, base: string): Promise<void> {
  const aside: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(dir, out);
      break;
    } catch (e) {
      if (!['ENOTEMPTY', 'EEXIST', 'EISDIR'].includes(code(e)) || attempt > 50) throw e;
    }
    const old = path.join(parent, `.${base}.old-${process.pid}-${attempt}`);
    try {
      await rename(out, old);
      aside.push(old);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }
  for (const old of aside) await rm(old, { recursive: true, force: true });
}

/**
 * Runs `fn` on a run folder: committed when it returns an exit code, discarded when it throws
 * or returns 130 (stopped by Ctrl-C: nothing is written). A batch with failed scenes returns 1
 * and is kept: its summary says which failed.
 */
export async function withRun(run: RunFolder, fn: (dir: string) => Promise<number>): Promise<number> {
  try {
    const code = await fn(run.dir);
    if (code !== 130) await run.commit();
    return code;
  } finally {
    run.discard();
  }
}

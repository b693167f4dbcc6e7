/**
 * Silences the two warnings Dawn prints on every adapter it opens on lavapipe
 * ("maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 …" and
 * the same for storage buffers): they are about Dawn's own bookkeeping, not the user's run.
 *
 * Dawn writes them from native code straight to file descriptor 2, where no JavaScript hook
 * sees them, so a GPU command runs as a child process whose stderr passes through a line
 * filter that drops exactly these lines and nothing else. DEBUG=1 or higher runs in-process and
 * shows them. The child is told whether the real stderr is a terminal, so progress bars still draw.
 */
import { spawn } from 'node:child_process';

const DAWN_NOISE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const CHILD = 'HSI_STDERR_FILTERED';
const WINDOWS = process.platform === 'win32';

/** Commands that open the GPU (and so print Dawn's warnings). */
const GPU_COMMANDS = new Set(['info', 'selfcheck', 'detect', 'cluster', 'demo', 'tune']);

/** True when this process should hand `command` to a filtered child. */
export function wantsFilter(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const debug = Number(env.DEBUG ?? 0);
  return GPU_COMMANDS.has(command) && !(debug >= 1) && env[CHILD] === undefined;
}

/**
 * In the child: stop when the parent is gone (killed with SIGKILL, say), so no detached run
 * goes on writing after the user ended `hsi`; then report the parent's terminal, so progress
 * output picks the bar.
 */
export function adoptParentTerminal(): void {
  if (process.env[CHILD] === undefined) return;
  if (process.connected) {
    process.on('disconnect', () => process.exit(1));
    // The channel only watches the parent; it must not keep a finished child alive.
    (process.channel as { unref?: () => void } | undefined)?.unref?.();
  }
  const columns = process.env[CHILD];
  if (!columns || columns === 'pipe') return;
  Object.assign(process.stderr, { isTTY: true, columns: Number(columns) || 80 });
}

/**
 * A stderr filter: passes text through as it comes, holding back only a line that so far
 * could be one of Dawn's, and drops that line once it is complete and matches.
 */
export function lineFilter(write: (s: string) => void): { push(s: string): void; end(): void } {
  let pending = '';
  const flushPartial = (): void => {
    if (pending && !'Warning: maxDynamic'.startsWith(pending.slice(0, 19))) (write(pending), (pending = ''));
  };
  return {
    push(s) {
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!DAWN_NOISE.test(line)) write(line + '\n');
      }
      flushPartial();
    },
    end() {
      if (pending) write(pending);
      pending = '';
    },
  };
}

/** Runs this CLI again with `argv` as a child whose stderr is filtered; resolves to its exit code. */
export function runFiltered(argv: string[]): Promise<number> {
  const tty = process.stderr.isTTY ? String(process.stderr.columns ?? 80) : 'pipe';
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv], {
    // The IPC channel carries nothing: the child watches it to quit when this process dies.
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, [CHILD]: tty },
    // Its own process group: a terminal's Ctrl-C reaches only this process, which passes it on
    // once (a second one makes the child quit at once, as a second Ctrl-C should). On Windows a
    // detached child would open a console window, and the console signals both processes itself.
    detached: !WINDOWS,
  });
  const filter = lineFilter((s) => process.stderr.write(s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => filter.push(s));
  const onInt = (): void => void (WINDOWS || child.kill('SIGINT'));
  const onTerm = (): void => void child.kill('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      filter.end();
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

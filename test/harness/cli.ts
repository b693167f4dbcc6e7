// The built `hsi` command, run as a user would (Node-only tests).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const cli = 'dist/node/cli.js';

const exec = promisify(execFile);

/** Runs `hsi …args`; rejects when it exits non-zero. */
export function hsi(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec('node', [cli, ...args]);
}

/** Runs `hsi …args` expecting failure; returns its exit code and stderr. */
export async function hsiFails(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await hsi(args);
  } catch (e) {
    return e as { code: number; stderr: string };
  }
  throw new Error(`expected hsi ${args.join(' ')} to fail`);
}

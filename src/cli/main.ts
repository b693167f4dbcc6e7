/**
 * `hsi` command line: a thin layer over the library. Each command lives in its own file;
 * this one dispatches, prints usage, and turns errors into messages and exit codes
 * (0 success, 1 failure, 2 usage error, 130 interrupted).
 */
import { GpuError } from '../index.ts';
import { DataError } from '../data/cube.ts';
import { UsageError, type Command } from './common.ts';
import { demo, info, selfcheck } from './device.ts';
import { inspect } from './inspect.ts';
import { synth } from './synth.ts';
import { detect } from './detect.ts';
import { cluster } from './cluster.ts';
import { tune } from './tune.ts';

const COMMANDS: Record<string, Command> = { info, selfcheck, inspect, synth, detect, cluster, demo, tune };

const USAGE = `usage: hsi <command> [options]     (hsi <command> --help for its options)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}
  help       show this text

Set DEBUG=1 (timings), 2 (WGSL sources) or 3 (adapter details) for diagnostics.`;

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`hsi: command: expected one of ${Object.keys(COMMANDS).join(', ')}, help, got ${name}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hsi ${name}: ${(e as Error).message}\n\n${command.usage}`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    // Engine and data errors already say what failed and how to fix it: no stack.
    console.error(e instanceof GpuError || e instanceof DataError ? `hsi: ${e.message}` : e);
    process.exitCode = 1;
  },
);

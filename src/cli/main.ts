/**
 * `hsi` command line: a thin layer over the library. Each command lives in its own file;
 * this one dispatches, prints usage and the version, suggests the nearest command or flag for a
 * typo, and turns errors into messages and exit codes (0 success, 1 failure, 2 usage error,
 * 130 interrupted).
 */
import { HsiError } from '../errors.ts';
import { UsageError, type Command } from './common.ts';
import { demo, info, selfcheck } from './device.ts';
import { inspect } from './inspect.ts';
import { synth } from './synth.ts';
import { detect } from './detect.ts';
import { cluster } from './cluster.ts';
import { tune } from './tune.ts';
import { closest, unknownFlag, usageFlags } from './suggest.ts';
import { adoptParentTerminal, runFiltered, wantsFilter } from './quiet.ts';

const COMMANDS: Record<string, Command> = { info, selfcheck, inspect, synth, detect, cluster, demo, tune };

const USAGE = `usage: hsi <command> [options]     (hsi <command> --help or hsi help <command> for its options)

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}
  help       show this text (hsi help <command>: that command's options)

hsi --version (or -V) prints the version.
Set DEBUG=1 (timings), 2 (WGSL sources) or 3 (adapter details) for diagnostics.`;

/** `hsi help [command]`, `hsi --help`, `hsi --version`; null when argv names a command to run. */
function helpOrVersion(argv: string[]): number | null {
  const [name = 'help', topic] = argv;
  if (name === '--version' || name === '-V') {
    console.log(`hsi ${__HSI_VERSION__}`);
    return 0;
  }
  if (name !== 'help' && name !== '--help' && name !== '-h') return null;
  if (topic === undefined) {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[topic];
  if (!command) return unknownCommand(topic);
  console.log(command.usage);
  return 0;
}

function unknownCommand(name: string): number {
  const near = closest(name, [...Object.keys(COMMANDS), 'help']);
  const hint = near ? `; did you mean 'hsi ${near}'?` : '';
  console.error(`hsi: command: expected one of ${Object.keys(COMMANDS).join(', ')}, help, got '${name}'${hint}\n\n${USAGE}`);
  return 2;
}

/** A parseArgs or usage error as one message, with the nearest flag for an unknown one. */
function usageMessage(e: Error, command: Command): string {
  const flag = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownFlag(e.message) : undefined;
  if (flag === undefined) return e.message;
  const near = closest(flag, usageFlags(command.usage));
  return `${flag}: not an option of this command${near ? `; did you mean '${near}'?` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const early = helpOrVersion(argv);
  if (early !== null) return early;
  const [name, ...rest] = argv;
  const command = COMMANDS[name];
  if (!command) return unknownCommand(name);
  if (wantsFilter(name)) return runFiltered(argv);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hsi ${name}: ${usageMessage(e as Error, command)}\n\n${command.usage}`);
      return 2;
    }
    throw e;
  }
}

adoptParentTerminal();
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    // Errors of the library's own classes already say what failed and how to fix it: one line,
    // no stack. Anything else is a bug, and its stack is what a bug report needs.
    console.error(e instanceof HsiError ? `hsi: ${e.message}` : e);
    process.exitCode = 1;
  },
);

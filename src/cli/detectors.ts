/**
 * The command line's side of the model registry (models/index.ts): registry options as flags
 * (camelCase names spelt --kebab-case), their help text, and running a method with a progress
 * bar on stderr. No method is named here: a registered method gets its flags and help for free.
 */
import type { Gpu } from '../index.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { OptionError } from '../errors.ts';
import { describeOption, type ModelEntry, type OptionValues, type RunOutput, type Task } from '../models/registry.ts';
import { DEFAULT_MODELS, findModel, modelsFor } from '../models/index.ts';
import { UsageError } from './common.ts';
import { progress } from './progress.ts';

export const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** parseArgs declarations of every option of the task's methods (all strings, typed later). */
export function modelFlags(task: Task): Record<string, { type: 'string' }> {
  const flags: Record<string, { type: 'string' }> = {};
  for (const m of modelsFor(task)) for (const name of Object.keys(m.options)) flags[kebab(name)] = { type: 'string' };
  return flags;
}

/** The method `--model` names (or the task's default) and its typed options from the parsed flags. */
export function modelFromFlags<T extends Task>(task: T, values: Record<string, unknown>): { entry: ModelEntry<T>; options: OptionValues } {
  const name = (values.model as string | undefined) ?? DEFAULT_MODELS[task];
  if (name === null) throw new UsageError(`--model: expected one of ${modelsFor(task).map((m) => m.name).join(', ')}, got none`);
  let entry: ModelEntry<T>;
  try {
    entry = findModel(name, task);
  } catch {
    throw new UsageError(`--model: expected one of ${modelsFor(task).map((m) => m.name).join(', ')}, got ${name}`);
  }
  const options: OptionValues = {};
  for (const flag of Object.keys(modelFlags(task))) {
    const raw = values[flag] as string | undefined;
    if (raw === undefined) continue;
    const key = Object.keys(entry.options).find((k) => kebab(k) === flag);
    if (!key) {
      const own = Object.keys(entry.options).map((n) => `--${kebab(n)}`);
      throw new UsageError(`--${flag}: not an option of --model ${entry.name} (${own.length ? `its options: ${own.join(', ')}` : 'it takes none'})`);
    }
    const spec = entry.options[key];
    const v = spec.type === 'choice' ? raw : Number(raw);
    if (spec.type === 'choice' && !spec.choices.includes(raw)) throw new UsageError(`--${flag}: expected one of ${spec.choices.join(', ')}, got ${raw}`);
    if (spec.type !== 'choice' && (raw.trim() === '' || !(typeof v === 'number' && v >= spec.min && v <= spec.max && (spec.type === 'number' || Number.isInteger(v))))) {
      throw new UsageError(`--${flag}: expected ${spec.type === 'int' ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}], got ${raw}`);
    }
    options[key] = v;
  }
  // Options that are each in range but do not go together are refused before any data is read.
  try {
    entry.settings(options);
  } catch (e) {
    if (e instanceof OptionError) throw new UsageError(flagWords(e, entry, options));
    throw e;
  }
  return { entry, options };
}

/**
 * A library OptionError in command-line words: `trainBs3lnet: pd: expected …` becomes
 * `--pd: expected …`, and the flags given are listed (the clash may come from a preset).
 */
function flagWords(e: OptionError, entry: ModelEntry<Task>, options: OptionValues): string {
  let text = e.message.slice(e.op.length + 2);
  for (const key of Object.keys(entry.options)) text = text.replace(new RegExp(`(^|[\\s(,])${key}(?=[:,]| [\\d<>=-])`, 'g'), `$1--${kebab(key)}`);
  const given = Object.entries(options).map(([k, v]) => `--${kebab(k)} ${v}`).join(' ');
  return `${text}${given ? ` (given: --model ${entry.name} ${given})` : ''}`;
}

/** Help for every method of a task: name, summary, presets, and each option as a flag. */
export function modelsHelp(task: Task): string {
  const lines: string[] = [];
  for (const m of modelsFor(task)) {
    lines.push(`  ${m.name.padEnd(8)} ${m.summary}${m.name === DEFAULT_MODELS[task] ? ' (default)' : ''}`);
    for (const [name, spec] of Object.entries(m.options)) lines.push(...wrap(`--${kebab(name)} ${describeOption(spec)}`, 11, 100));
    for (const [name, text] of Object.entries(m.presets ?? {})) lines.push(...wrap(`preset ${name}: ${text}`, 11, 100));
  }
  return lines.join('\n');
}

/** Splits `text` into lines of at most `width` characters indented by `indent` (continuations by 2 more). */
function wrap(text: string, indent: number, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const pad = out.length === 0 ? indent : indent + 2;
    if (line && pad + line.length + 1 + word.length > width) {
      out.push(' '.repeat(pad) + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(' '.repeat(out.length === 0 ? indent : indent + 2) + line);
  return out;
}

/** Runs a method, drawing its training progress on stderr unless `quiet`. */
export async function runModel<T extends Task>(gpu: Gpu, entry: ModelEntry<T>, cube: Cube, options: OptionValues, o: { signal?: AbortSignal; quiet?: boolean; gt?: LabelMap }): Promise<RunOutput<T>> {
  let bar: ReturnType<typeof progress> | undefined;
  let pass: string | null = null;
  const start = performance.now();
  try {
    return await entry.run(gpu, cube, options, {
      signal: o.signal,
      gt: o.gt,
      progressMs: 250,
      onProgress: (p) => {
        if (o.quiet) return;
        bar ??= progress({ unit: 'step', total: p.steps, start });
        bar.update({ done: p.step, loss: p.loss });
      },
      // A pass after training (SSCC's assignment of every pixel) gets a bar of its own.
      onPass: (p) => {
        if (o.quiet) return;
        if (pass !== p.pass) {
          bar?.stop();
          bar = progress({ unit: p.unit, total: p.total, loss: false });
          pass = p.pass;
        }
        bar!.update({ done: p.done });
      },
    });
  } finally {
    bar?.stop();
  }
}

/** One scene and one method as a command runs them. */
export interface SceneJob<T extends Task> {
  scene: string;
  file: string | null;
  cube: Cube;
  model: ModelEntry<T>;
  /** The method's options (registry names), as checked by modelFromFlags. */
  options: OptionValues;
  out: string;
  json?: boolean;
  signal?: AbortSignal;
  /** No progress bar. */
  quiet?: boolean;
  /** Seconds spent loading the scene. */
  loadSeconds: number;
}

/** Runs a job's method; null (after saying so) when Ctrl-C stopped it, else its output and the model's seconds. */
export async function runJob<T extends Task>(gpu: Gpu, command: string, job: SceneJob<T> & { gt?: LabelMap }): Promise<{ r: RunOutput<T>; modelSeconds: number } | null> {
  const t0 = performance.now();
  const r = await runModel(gpu, job.model, job.cube, job.options, job);
  if (r.aborted) {
    console.error(`hsi ${command}: stopped at step ${r.aborted.step} of ${r.aborted.steps}; nothing written to ${job.out}`);
    return null;
  }
  return { r, modelSeconds: (performance.now() - t0) / 1e3 };
}

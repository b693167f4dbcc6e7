/**
 * What a method registers (docs/engine.md#model-registry): its name, task, a one-line summary, its
 * options with types, defaults and help, its presets, and `run`. The command line, the browser
 * app and library users find methods through the list in models/index.ts, never by a switch of
 * their own, so a new method appears everywhere once it is listed there.
 */
import type { Gpu } from '../gpu/index.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import type { TrainProgress } from '../nn/train.ts';
import { OptionError } from '../errors.ts';

export type Task = 'detect' | 'cluster';

interface SpecBase {
  /** One line for help texts. */
  help: string;
  /** Shown in help when the default depends on other options (e.g. "the preset's"). */
  defaultText?: string;
}

/** An option's type, range and default (absent default: the method decides, see defaultText). */
export type OptionSpec =
  | (SpecBase & { type: 'int' | 'number'; min: number; max: number; default?: number })
  | (SpecBase & { type: 'choice'; choices: readonly string[]; default?: string });

/** Option values by name (camelCase; the CLI spells them --kebab-case). */
export type OptionValues = Record<string, number | string | undefined>;

/** A pass over the scene after training: what it does, what it counts, how far it is. */
export interface PassProgress {
  pass: string;
  unit: string;
  done: number;
  total: number;
}

export interface RunContext {
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Report progress at most this often (ms). */
  progressMs?: number;
  /** Progress of a long pass after training (e.g. assigning every pixel of a large scene). */
  onPass?: (p: PassProgress) => void;
  /**
   * The ground truth, for a protocol that trains on the labelled pixels (SSCC's paper protocol,
   * asked for by an option). Never used to select a model, a step or a setting.
   */
  gt?: LabelMap;
}

/** What a run returns besides its map: the settings that reproduce it, and timings. */
interface RunOutputBase {
  settings: Record<string, unknown>;
  /** Seconds spent training (learned methods). */
  trainSeconds?: number;
  /** The signal stopped the run (in training or a later pass): the map is empty and nothing should be written. */
  aborted?: { step: number; steps: number };
}

/** Anomaly scores, one per pixel, row-major rows × cols. */
export interface DetectOutput extends RunOutputBase {
  scores: Float32Array;
}

/** Cluster labels (0 … k−1), one per pixel, row-major rows × cols. */
export interface ClusterOutput extends RunOutputBase {
  labels: Int32Array;
}

export type RunOutput<T extends Task> = T extends 'detect' ? DetectOutput : ClusterOutput;

export interface ModelEntry<T extends Task = Task> {
  name: string;
  task: T;
  /** One line: the method and its paper. */
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Preset name → what it is (the choices of the 'preset' option, when there is one). */
  presets?: Readonly<Record<string, string>>;
  /** Checks the options together and returns every setting a run will use; no GPU work. */
  settings(options: OptionValues): Record<string, unknown>;
  run(gpu: Gpu, cube: Cube, options: OptionValues, ctx?: RunContext): Promise<RunOutput<T>>;
}

/** Checks each value against its spec and fills the specs' defaults; unknown names are refused. */
export function checkOptions(entry: Pick<ModelEntry, 'name' | 'options'>, values: OptionValues): OptionValues {
  const out: OptionValues = {};
  for (const [name, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const spec = entry.options[name];
    if (!spec) throw new OptionError(entry.name, `option '${name}': expected one of ${optionList(entry)}, got '${name}'`);
    out[name] = checkValue(entry.name, name, spec, v);
  }
  for (const [name, spec] of Object.entries(entry.options)) if (out[name] === undefined && spec.default !== undefined) out[name] = spec.default;
  return out;
}

function checkValue(model: string, name: string, spec: OptionSpec, v: number | string): number | string {
  if (spec.type === 'choice') {
    if (typeof v !== 'string' || !spec.choices.includes(v)) throw new OptionError(model, `${name}: expected one of ${spec.choices.join(', ')}, got ${String(v)}`);
    return v;
  }
  const ok = typeof v === 'number' && v >= spec.min && v <= spec.max && (spec.type === 'number' ? Number.isFinite(v) : Number.isInteger(v));
  if (!ok) throw new OptionError(model, `${name}: expected ${spec.type === 'int' ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}], got ${String(v)}`);
  return v;
}

/** The option names, for messages ('none' when the method takes none). */
export function optionList(entry: Pick<ModelEntry, 'options'>): string {
  const names = Object.keys(entry.options);
  return names.length ? names.join(', ') : 'none (this method takes no options)';
}

/** An option's help line: its values, its default, then its text. */
export function describeOption(spec: OptionSpec): string {
  const values = spec.type === 'choice' ? spec.choices.join('|') : `${spec.type === 'int' ? 'integer' : 'number'} ${spec.min}…${spec.max}`;
  const dflt = spec.default !== undefined ? String(spec.default) : spec.defaultText;
  return `${values}${dflt ? `, default ${dflt}` : ''}: ${spec.help}`;
}

/**
 * The task and model pickers and the options form, generated from the registry's entries (sent
 * by the worker): every option's type, range, default and help, and the presets' descriptions.
 * A new registered method appears here with no change to the app (docs/engine.md#model-registry).
 */
import type { Task } from '../models/registry.ts';
import { clear, h } from './ui.ts';
import type { ModelInfo } from './protocol.ts';

/** What Run sends: a task, a registered method and its options. */
export interface RunChoice {
  task: Task;
  model: string;
  /** Only the options the user filled in; the method's defaults fill the rest. */
  options: Record<string, number | string>;
}

/** The pickers and the options form of the registered methods (docs/engine.md#model-registry). */
export class ModelForm {
  readonly el: HTMLElement;
  private task = h('select', { 'data-testid': 'task', 'aria-label': 'task' });
  private model = h('select', { 'data-testid': 'model', 'aria-label': 'model' });
  private summary = h('p', { class: 'hint' });
  private fields = h('div', { class: 'options' });
  private presets = h('dl', { class: 'presets' });

  constructor(private models: ModelInfo[]) {
    for (const t of ['detect', 'cluster'] as const) {
      if (models.some((m) => m.task === t)) this.task.append(h('option', { value: t }, t === 'detect' ? 'Detect anomalies' : 'Cluster pixels'));
    }
    this.task.addEventListener('change', () => this.fillModels());
    this.model.addEventListener('change', () => this.fillOptions());
    this.el = h('div', { class: 'model-form' },
      h('label', {}, 'Task ', this.task), h('label', {}, 'Model ', this.model), this.summary, this.fields, this.presets);
    this.fillModels();
  }

  private current(): ModelInfo {
    return this.models.find((m) => m.name === this.model.value && m.task === this.task.value)!;
  }

  private fillModels(): void {
    clear(this.model);
    for (const m of this.models.filter((x) => x.task === this.task.value)) {
      this.model.append(h('option', { value: m.name, selected: m.isDefault }, m.name));
    }
    this.fillOptions();
  }

  private fillOptions(): void {
    const m = this.current();
    this.summary.textContent = m.summary;
    clear(this.fields);
    for (const [name, spec] of Object.entries(m.options)) {
      const dflt = spec.default !== undefined ? String(spec.default) : spec.defaultText ?? '';
      const input = spec.type === 'choice'
        ? h('select', { name, 'data-testid': `option-${name}` },
          // No default of its own: an empty choice leaves it to the method (e.g. the preset's).
          spec.default === undefined && h('option', { value: '' }, `(${dflt || 'default'})`),
          ...spec.choices.map((c) => h('option', { value: c, selected: c === spec.default }, c)))
        : h('input', { name, type: 'number', min: spec.min, max: spec.max, step: spec.type === 'int' ? 1 : 'any', placeholder: dflt, 'data-testid': `option-${name}` });
      this.fields.append(h('label', { title: spec.help }, h('span', {}, name), input, h('small', {}, spec.help + (dflt ? ` (default ${dflt})` : ''))));
    }
    clear(this.presets);
    for (const [name, text] of Object.entries(m.presets ?? {})) this.presets.append(h('dt', {}, name), h('dd', {}, text));
  }

  /** The chosen task, model and the options the user filled in. */
  value(): RunChoice {
    const m = this.current();
    const options: Record<string, number | string> = {};
    for (const el of Array.from(this.fields.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select'))) {
      if (el.value.trim() === '') continue;
      options[el.name] = m.options[el.name].type === 'choice' ? el.value : Number(el.value);
    }
    return { task: m.task, model: m.name, options };
  }
}

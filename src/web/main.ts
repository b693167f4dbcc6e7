/**
 * The browser app (docs/app.md): open a scene, pick a registered method, run it in the worker
 * with progress and Cancel, and keep each result as a card. This file only wires the page's
 * parts together; the worker (worker.ts) does every computation, the library's readers and
 * methods do the work, and nothing leaves the machine.
 */
import { h } from './ui.ts';
import { ModelForm } from './form.ts';
import { WorkerClient, type Reply, type Request, type WorkerError } from './protocol.ts';
import { ProgressView, runCard } from './results.ts';
import { SceneView } from './sceneview.ts';

const $ = <T extends HTMLElement>(id: string): T => document.querySelector<T>(`[data-testid="${id}"]`)!;

const NO_WEBGPU = 'WebGPU is needed and this browser has no adapter. It is on by default in current Chrome and Edge (113+) on '
  + 'Windows, macOS and ChromeOS, and in Firefox 141+ on Windows; Safari 26 has it. On Linux start Chromium with '
  + '--enable-unsafe-webgpu (and --enable-features=Vulkan where a GPU driver exists). The page must come from https or localhost.';

type OpenRequest = Extract<Request, { type: 'open' | 'synth' }>;

class App {
  private client!: WorkerClient;
  private form: ModelForm | null = null;
  private lastOpen: OpenRequest | null = null;
  private running: number | null = null;
  private runs = 0;

  async start(): Promise<void> {
    this.client = new WorkerClient(new URL('./worker.js', import.meta.url));
    $('status').textContent = 'starting the GPU…';
    const r = await this.client.call({ type: 'init' });
    if (r.type === 'error') return this.fail(r.error);
    if (r.type !== 'ready') return;
    $('status').textContent = `GPU: ${r.adapter}`;
    this.form ??= new ModelForm(r.models);
    $('model-form').replaceChildren(this.form.el);
    for (const id of ['file-input', 'synthetic']) $<HTMLInputElement>(id).disabled = false;
    if (this.lastOpen) await this.open(this.lastOpen);
  }

  /** Shows an error in the error box (the message as the library wrote it), with its way out. */
  fail(e: WorkerError): void {
    const box = $('error');
    const text = { 'no-webgpu': `${NO_WEBGPU}\n\n${e.message}`, lost: `The GPU device was lost: ${e.message}`, worker: `The GPU worker stopped: ${e.message}` }[e.kind as string] ?? e.message;
    box.replaceChildren(h('pre', {}, text));
    if (e.kind === 'lost' || e.kind === 'worker') box.append(h('button', { 'data-testid': 'restart', onclick: () => void this.restart() }, 'Restart the GPU worker'));
    if (e.choices) box.append(this.choices(e.choices));
    if (/NaN\/Inf values/.test(e.message) && this.lastOpen?.type === 'open') {
      const req = this.lastOpen;
      box.append(h('button', { 'data-testid': 'fill-nan', onclick: () => void this.open({ ...req, fillNonFinite: true }) }, 'Replace them by band means and open'));
    }
    box.hidden = false;
    $('status').textContent = e.kind === 'no-webgpu' ? 'no WebGPU' : $('status').textContent;
  }

  /** Pickers for an ambiguous .mat file: the cube and map variables (the CLI's --data and --map). */
  private choices(c: { cubes: string[]; maps: string[] }): HTMLElement {
    const cube = h('select', { 'data-testid': 'pick-data' }, ...c.cubes.map((n) => h('option', { value: n }, n)));
    // '' leaves the map to the reader's choice (as the CLI without --map); NONE opens without one.
    const NONE = '\u0000none';
    const map = h('select', { 'data-testid': 'pick-map' }, h('option', { value: '' }, '(automatic)'), h('option', { value: NONE }, '(none)'), ...c.maps.map((n) => h('option', { value: n }, n)));
    const go = (): void => {
      if (this.lastOpen?.type === 'open') void this.open({ ...this.lastOpen, data: cube.value || undefined, map: map.value === NONE ? false : map.value || undefined });
    };
    return h('div', { class: 'choices' }, h('label', {}, 'cube ', cube), h('label', {}, 'map ', map), h('button', { 'data-testid': 'pick-open', onclick: go }, 'Open with these'));
  }

  private clearError(): void {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  async open(req: OpenRequest): Promise<void> {
    this.clearError();
    this.lastOpen = req;
    $('scene').replaceChildren(h('p', { class: 'hint' }, 'reading…'));
    $<HTMLButtonElement>('run').disabled = true;
    const r: Reply = await this.client.call(req);
    $('scene').replaceChildren();
    if (r.type === 'error') return this.fail(r.error);
    if (r.type !== 'scene') return;
    $('scene').append(new SceneView(r.scene, this.client, (message) => this.fail({ kind: 'other', message })).el);
    $<HTMLButtonElement>('run').disabled = this.running !== null;
  }

  async run(): Promise<void> {
    if (!this.form || this.running !== null) return;
    this.clearError();
    const choice = this.form.value();
    const progress = new ProgressView(choice.model);
    $('progress-box').replaceChildren(progress.el);
    this.setRunning(0);
    const t0 = performance.now();
    const r = await this.client.call({ type: 'run', ...choice }, (p) => progress.update(p), (id) => this.setRunning(id));
    this.setRunning(null);
    if (r.type === 'cancelled') return progress.finish(`cancelled at step ${r.step} of ${r.steps}: nothing kept`);
    if (r.type === 'error') {
      progress.finish(`${choice.model} failed`);
      return this.fail(r.error);
    }
    if (r.type !== 'result') return;
    progress.finish(`${choice.model} done in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
    const n = ++this.runs;
    const card = runCard(n, r.result, () => {
      for (const el of Array.from(card.querySelectorAll<HTMLImageElement | HTMLAnchorElement>('img, a'))) URL.revokeObjectURL('src' in el ? el.src : el.href);
      card.remove();
    });
    $('runs').prepend(card);
  }

  private setRunning(id: number | null): void {
    this.running = id;
    $<HTMLButtonElement>('run').disabled = id !== null || !$('scene').hasChildNodes();
    const cancel = $<HTMLButtonElement>('cancel');
    cancel.disabled = id === null;
    cancel.textContent = 'Cancel';
  }

  async cancel(): Promise<void> {
    if (this.running === null) return;
    const cancel = $<HTMLButtonElement>('cancel');
    cancel.disabled = true;
    cancel.textContent = 'stopping after the current step…';
    await this.client.call({ type: 'cancel', run: this.running });
  }

  /** A fresh worker (and GPU device); the last scene is opened again. */
  async restart(): Promise<void> {
    this.client.terminate();
    // The old scene view talks to the old worker: drop it; start() opens the scene again.
    $('scene').replaceChildren();
    for (const id of ['file-input', 'synthetic']) $<HTMLInputElement>(id).disabled = true;
    this.setRunning(null);
    this.clearError();
    await this.start();
  }
}

function synthRequest(): OpenRequest {
  const n = (id: string): number => Number($<HTMLInputElement>(id).value);
  return { type: 'synth', rows: n('synth-rows'), cols: n('synth-cols'), bands: n('synth-bands'), anomalies: n('synth-anomalies'), seed: 1 };
}

const app = new App();
const input = $<HTMLInputElement>('file-input');
input.addEventListener('change', () => input.files?.length && void app.open({ type: 'open', files: Array.from(input.files) }));
$('synthetic').addEventListener('click', () => void app.open(synthRequest()));
$('run').addEventListener('click', () => void app.run());
$('cancel').addEventListener('click', () => void app.cancel());
const drop = $('drop');
drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const files = Array.from(e.dataTransfer?.files ?? []);
  if (files.length && !input.disabled) void app.open({ type: 'open', files });
});
// Nothing fails silently: an error the app did not catch lands in the error box too.
window.addEventListener('unhandledrejection', (e) => app.fail({ kind: 'other', message: String((e.reason as Error)?.message ?? e.reason) }));
void app.start();

/**
 * The open scene: its size, bands, value range, NaN count, wavelengths and map; a false-colour
 * picture with red/green/blue band pickers (defaults by wavelength when known, data/png.ts); a
 * click on a pixel plots its spectrum. Pictures and spectra come from the worker, which holds
 * the cube, so the page never copies it.
 */
import type { SceneInfo, WorkerClient } from './protocol.ts';
import { h, linePlot, pngImage } from './ui.ts';

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toPrecision(5)));

/** One line per fact about the scene. */
function facts(s: SceneInfo): HTMLElement {
  const wl = s.wavelengths;
  const rows: [string, string][] = [
    ['scene', s.synthetic ? 'synthetic (made in this page)' : s.file],
    ['size', `${s.rows} × ${s.cols} pixels, ${s.bands} bands`],
    ['values', `${fmt(s.min)} … ${fmt(s.max)}`],
    ['NaN/Inf', s.filled ? `${s.filled} (replaced by band means)` : String(s.nonFinite)],
    ['wavelengths', wl ? `${fmt(wl[0])} … ${fmt(wl[1])}` : 'unknown (the reader found none)'],
    ['ground truth', s.map ? `${s.map.labelled} labelled pixels, ${s.map.classes} class${s.map.classes === 1 ? '' : 'es'}${s.map.file ? ` (${s.map.file})` : ''}` : 'none'],
  ];
  if (s.constantBands.length) rows.push(['constant bands', s.constantBands.join(', ')]);
  return h('dl', { class: 'facts', 'data-testid': 'scene-info' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** The scene panel; pictures and spectra are asked of the worker. */
export class SceneView {
  readonly el: HTMLElement;
  private picture = h('div', { class: 'picture' });
  private pickers: HTMLSelectElement[];
  private spectrum: ReturnType<typeof linePlot> | null = null;
  private plotBox = h('div', {});

  constructor(private info: SceneInfo, private client: WorkerClient, private onError: (message: string) => void) {
    const label = (b: number): string => (info.bandWavelengths ? `${b} (${fmt(info.bandWavelengths[b])})` : String(b));
    this.pickers = (['red', 'green', 'blue'] as const).map((c, i) => h('select', { 'aria-label': `${c} band`, 'data-testid': `band-${c}`, onchange: () => this.draw() },
      ...Array.from({ length: info.bands }, (_, b) => h('option', { value: b, selected: b === info.rgbBands[i] }, label(b)))));
    const bands = h('div', { class: 'bands' }, ...this.pickers.map((p, i) => h('label', {}, ['R', 'G', 'B'][i] + ' ', p)));
    this.el = h('section', { class: 'scene' }, h('h2', {}, 'Scene'), facts(info),
      h('div', { class: 'row' }, h('div', {}, bands, this.picture, h('p', { class: 'hint' }, 'Click a pixel to plot its spectrum.')), this.plotBox));
    this.picture.addEventListener('click', (e) => void this.pick(e));
    void this.draw();
  }

  private async draw(): Promise<void> {
    const bands = this.pickers.map((p) => Number(p.value)) as [number, number, number];
    const r = await this.client.call({ type: 'picture', bands });
    if (r.type === 'error') return this.onError(r.error.message);
    if (r.type === 'picture') this.picture.replaceChildren(pngImage(r.png, 'false-colour picture of the scene', 'scene-picture'));
  }

  private async pick(e: MouseEvent): Promise<void> {
    const img = this.picture.querySelector('img');
    if (!img || e.target !== img) return;
    const box = img.getBoundingClientRect();
    const row = Math.min(this.info.rows - 1, Math.floor(((e.clientY - box.top) / box.height) * this.info.rows));
    const col = Math.min(this.info.cols - 1, Math.floor(((e.clientX - box.left) / box.width) * this.info.cols));
    const r = await this.client.call({ type: 'spectrum', row, col });
    if (r.type === 'error') return this.onError(r.error.message);
    if (r.type !== 'spectrum') return;
    const wl = this.info.bandWavelengths;
    this.spectrum?.el.remove();
    this.spectrum = linePlot(this.plotBox, { title: `Spectrum at row ${row}, column ${col}`, x: wl ? 'wavelength' : 'band', y: 'value', points: r.values.length < 40, testid: 'spectrum' });
    this.spectrum.set(wl ?? r.values.map((_, i) => i), r.values);
  }
}

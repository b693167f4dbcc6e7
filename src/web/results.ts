/**
 * A run's progress (a bar; step, loss, steps/s and ETA as text, data-testid "progress"; the loss
 * curve; a pass after training, such as SSCC's assignment, as done/total; methods without steps say
 * they are running until they end), then the finished run as a card: the map (score map with a
 * colour bar and a ground-truth outline toggle, or the cluster map with its legend), the metrics as
 * plain text (data-testid "result-metrics"), the ROC curve, and downloads of the same files the
 * command line writes (plus all of them as one .zip). Cards stay in a list, newest first, side by
 * side.
 */
import { colormapTable } from '../data/colormap.ts';
import { downloadLink, h, linePlot, pngImage } from './ui.ts';
import type { ProgressEvent, RunResult } from './protocol.ts';

const eta = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

/** A run's progress panel: update() on each progress event, finish() with the last line. */
export class ProgressView {
  readonly el: HTMLElement;
  private bar = h('progress', { max: 1, value: 0 });
  private text = h('span', { 'data-testid': 'progress' }, '');
  private plotBox = h('div', {});
  private loss: ReturnType<typeof linePlot> | null = null;
  private steps: number[] = [];
  private losses: number[] = [];

  constructor(model: string) {
    this.text.textContent = `${model}: running…`;
    this.el = h('div', { class: 'progress' }, this.bar, this.text, this.plotBox);
    this.bar.removeAttribute('value');
  }

  update(p: ProgressEvent): void {
    if ('pass' in p) {
      [this.bar.max, this.bar.value] = [p.total, p.done];
      this.text.textContent = `${p.pass}: ${p.done}/${p.total} ${p.unit}`;
      return;
    }
    this.bar.max = p.steps;
    this.bar.value = p.step;
    const left = p.stepsPerSecond > 0 ? (p.steps - p.step) / p.stepsPerSecond : NaN;
    this.text.textContent = `step ${p.step}/${p.steps}, loss ${p.loss.toPrecision(4)}, ${p.stepsPerSecond.toFixed(2)} steps/s, ETA ${Number.isFinite(left) ? eta(left) : '…'}`;
    this.steps.push(p.step);
    this.losses.push(p.loss);
    this.loss ??= linePlot(this.plotBox, { title: 'Training loss', x: 'step', y: 'loss', width: 320, height: 160, testid: 'loss-curve' });
    this.loss.set(this.steps, this.losses);
  }

  /** The final line: done, cancelled or failed. */
  finish(text: string): void {
    this.text.textContent = text;
    if (!this.bar.hasAttribute('value')) this.bar.value = 0;
  }
}

const fmt = (v: number): string => String(+v.toPrecision(4));

/** A horizontal viridis bar labelled with the score range (the map's 1st–99th percentiles are clipped). */
function colourBar(range: [number, number]): HTMLElement {
  const canvas = h('canvas', { width: 256, height: 10, class: 'colourbar' });
  const draw = (): void => {
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(256, 10);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 256; x++) img.data.set([table[x * 3], table[x * 3 + 1], table[x * 3 + 2], 255], (y * 256 + x) * 4);
    ctx.putImageData(img, 0, 0);
  };
  const table = colormapTable('viridis');
  draw();
  // A GPU process crash (a lost device) clears 2-D canvases too (ui.ts linePlot).
  canvas.addEventListener('contextrestored', draw);
  return h('div', { class: 'colourbar-box' }, h('span', {}, 'low'), canvas, h('span', {}, 'high'),
    h('small', {}, `scores ${fmt(range[0])} … ${fmt(range[1])}, colours stretched over the 1st–99th percentiles`));
}

/** AUCs to 7 decimals: the tests compare them with the Node result to 1e-6. */
function metricsText(r: RunResult): string {
  if (r.task === 'detect') {
    return r.auc ? `AUC(D,F) ${r.auc.aucDF.toFixed(7)}  AUC(D,τ) ${r.auc.aucDtau.toFixed(7)}  AUC(F,τ) ${r.auc.aucFtau.toFixed(7)}  SNPR ${r.auc.snpr.toFixed(2)} dB`
      : r.truthNote ?? 'no ground-truth map: no AUCs';
  }
  const m = r.metrics;
  return m ? `ACC ${m.acc.toFixed(4)}  NMI ${m.nmi.toFixed(4)}  kappa ${m.kappa.toFixed(4)}  ARI ${m.ari.toFixed(4)}  purity ${m.purity.toFixed(4)}` : 'no ground truth: no metrics';
}

function detectMap(r: RunResult): HTMLElement {
  const box = h('div', { class: 'map' });
  const show = (outline: boolean): void => box.replaceChildren(pngImage(outline ? r.picture : r.plainPicture ?? r.picture, `score map of ${r.model}`, 'result-map'));
  const hasGt = r.plainPicture !== undefined && r.auc !== null && r.auc !== undefined;
  show(hasGt);
  const toggle = hasGt && h('label', {}, h('input', { type: 'checkbox', checked: true, 'data-testid': 'gt-outline', onchange: (e: Event) => show((e.target as HTMLInputElement).checked) }), ' ground-truth outline');
  return h('div', {}, box, colourBar(r.scoreRange ?? [0, 1]), toggle);
}

function clusterMap(r: RunResult): HTMLElement {
  const legend = h('ul', { class: 'legend' }, ...(r.legend ?? []).map((l) =>
    h('li', {}, h('span', { class: 'swatch', style: `background:${l.colour}` }), `cluster ${l.cluster}${l.class !== null ? ` → class ${l.class}` : ''}`)));
  return h('div', {}, h('div', { class: 'map' }, pngImage(r.picture, `cluster map of ${r.model} (ground truth on the right)`, 'result-map')), legend);
}

function downloads(r: RunResult): HTMLElement {
  return h('div', { class: 'downloads' }, 'Download: ', ...Object.entries(r.files).map(([n, b]) => downloadLink(n, b)),
    downloadLink(r.zip.name, r.zip.bytes, 'all (.zip)', 'download-all'));
}

/** The card of run number `n`; `onRemove` drops it from the list. */
export function runCard(n: number, r: RunResult, onRemove: () => void): HTMLElement {
  const settings = Object.entries(r.settings).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : String(v)}`).join(', ');
  const card = h('article', { class: 'run', 'data-testid': 'run-card' },
    h('header', {}, h('strong', {}, `#${n} ${r.model} on ${r.scene}`), ` (${r.seconds.toFixed(2)} s)`, h('button', { class: 'remove', title: 'remove this run', onclick: onRemove }, '×')),
    h('p', { class: 'metrics', 'data-testid': 'result-metrics' }, metricsText(r)),
    r.task === 'detect' ? detectMap(r) : clusterMap(r));
  if (r.roc) linePlot(card, { title: 'ROC', x: 'false-alarm rate', y: 'detection rate', width: 300, height: 220, xRange: [0, 1], yRange: [0, 1], testid: 'roc' }).set(r.roc.pf, r.roc.pd);
  card.append(h('details', {}, h('summary', {}, 'settings'), h('p', { class: 'hint' }, settings)), downloads(r));
  return card;
}

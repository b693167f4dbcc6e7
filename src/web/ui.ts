/**
 * The app's drawing primitives instead of a framework: build an element, show a PNG's bytes as an
 * image, offer bytes as a download, and line plots (a spectrum, the loss curve, a ROC curve)
 * through uPlot, whose axes, ticks and scaling spare the app axes of its own.
 */
import uPlot from 'uplot';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h('button', { 'data-testid': 'run', onclick: go }, 'Run')`: attributes, `on…` handlers, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'textContent') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Bytes (or text) as a blob URL of `type`; the caller revokes it when the element goes. */
function blobUrl(bytes: Uint8Array | string, type: string): string {
  const part = typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>);
  return URL.createObjectURL(new Blob([part], { type }));
}

const TYPES: Record<string, string> = { png: 'image/png', json: 'application/json', csv: 'text/csv', zip: 'application/zip' };

/** A link that saves `bytes` as `name` (a download in the browser, never a request). */
export function downloadLink(name: string, bytes: Uint8Array | string, label = name, testid?: string): HTMLAnchorElement {
  const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
  return h('a', { href: blobUrl(bytes, type), download: name, class: 'download', 'data-testid': testid }, label);
}

/** An <img> of PNG bytes, drawn pixel-sharp. */
export function pngImage(png: Uint8Array, alt: string, testid?: string): HTMLImageElement {
  return h('img', { src: blobUrl(png, 'image/png'), alt, class: 'pixelated', 'data-testid': testid });
}

/** Removes every child of `el`. */
export function clear(el: Element): void {
  el.replaceChildren();
}

/** A line plot's titles, size and fixed ranges. */
export interface PlotSpec {
  title: string;
  x: string;
  y: string;
  width?: number;
  height?: number;
  /** Fixed ranges (a ROC curve lives in [0, 1] × [0, 1]). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Draw points only when there are few (a spectrum of a few bands). */
  points?: boolean;
  /** testid of the plot's wrapper element. */
  testid?: string;
}

/** A one-series line plot in `parent`; `set` replaces its data. */
export function linePlot(parent: HTMLElement, spec: PlotSpec): { set(x: number[], y: number[]): void; el: HTMLElement } {
  const wrap = document.createElement('div');
  wrap.className = 'plot';
  if (spec.testid) wrap.dataset.testid = spec.testid;
  parent.append(wrap);
  const fixed = (r?: [number, number]) => (r ? { range: r as uPlot.Range.MinMax } : {});
  const plot = new uPlot({
    title: spec.title, width: spec.width ?? 360, height: spec.height ?? 200,
    legend: { show: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, ...fixed(spec.xRange) }, y: fixed(spec.yRange) },
    axes: [{ label: spec.x, size: 40 }, { label: spec.y, size: 56 }],
    series: [{}, { stroke: '#3b6ea5', width: 1.5, points: { show: spec.points ?? false } }],
  }, [[], []], wrap);
  // A GPU process crash (a lost device) also clears 2-D canvases: draw again once they return.
  plot.ctx.canvas.addEventListener('contextrestored', () => plot.redraw(true, true));
  return { el: wrap, set: (x, y) => plot.setData([x, y]) };
}

/**
 * Line plots (a spectrum, the loss curve, a ROC curve) through uPlot: axes, ticks and scaling
 * come from the library, so the app draws no axes of its own.
 */
import uPlot from 'uplot';

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
  return { el: wrap, set: (x, y) => plot.setData([x, y]) };
}

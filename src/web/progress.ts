/**
 * A run's progress: a bar, the step, loss, steps/s and ETA as text (data-testid="progress"),
 * and the loss curve. Methods without training (RX, LRX, k-means) send no steps: the text then
 * says the method is running until it ends.
 */
import { h } from './dom.ts';
import { linePlot } from './plot.ts';
import type { ProgressEvent } from './protocol.ts';

const eta = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);

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

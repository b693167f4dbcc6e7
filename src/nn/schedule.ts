/**
 * Learning-rate schedules (torch.optim.lr_scheduler), stepped once per epoch. Each computes its
 * rate from the closed form PyTorch documents, so a rate never accumulates rounding from the
 * previous ones; the base rate is the optimizer's rate when the schedule is created.
 */
import { OptionError } from '../errors.ts';

/** Anything with a settable learning rate (every Optimizer). */
export interface HasLr {
  lr: number;
}

export abstract class LRScheduler {
  /** The optimizer's rate when the schedule was created. */
  readonly baseLr: number;
  /** Epochs stepped so far (0 after construction, as PyTorch's last_epoch). */
  lastEpoch = 0;

  constructor(readonly name: string, readonly optimizer: HasLr) {
    if (!optimizer || typeof optimizer.lr !== 'number') throw new OptionError(name, `optimizer: expected an object with a numeric lr, got ${String(optimizer)}`);
    this.baseLr = optimizer.lr;
  }

  /** The rate set by the last step (the base rate before any). */
  get lastLr(): number {
    return this.lrAt(this.lastEpoch);
  }

  /** Ends an epoch: sets the optimizer's rate for the next one. */
  step(): void {
    this.lastEpoch++;
    this.optimizer.lr = this.lrAt(this.lastEpoch);
  }

  /** The rate for `epoch` (closed form). */
  abstract lrAt(epoch: number): number;
}

export interface StepLrOptions {
  stepSize: number;
  gamma?: number;
}

/** Multiplies the rate by γ every `stepSize` epochs: base · γ^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: HasLr, opts: StepLrOptions) {
    super('StepLR', optimizer);
    const { stepSize, gamma = 0.1 } = opts ?? ({} as StepLrOptions);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new OptionError('StepLR', `stepSize: expected a positive integer, got ${stepSize}`);
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) throw new OptionError('StepLR', `gamma: expected a finite number ≥ 0, got ${gamma}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface CosineOptions {
  tMax: number;
  etaMin?: number;
}

/**
 * Cosine annealing from the base rate to ηmin over tMax epochs (SGDR without restarts):
 * ηmin + (base − ηmin)·(1 + cos(π·epoch / tMax)) / 2. Past tMax the cosine continues, rising
 * back towards the base rate, as PyTorch's scheduler does.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: HasLr, opts: CosineOptions) {
    super('CosineAnnealingLR', optimizer);
    const { tMax, etaMin = 0 } = opts ?? ({} as CosineOptions);
    if (!Number.isInteger(tMax) || tMax < 1) throw new OptionError('CosineAnnealingLR', `tMax: expected a positive integer, got ${tMax}`);
    if (typeof etaMin !== 'number' || !Number.isFinite(etaMin) || etaMin < 0) throw new OptionError('CosineAnnealingLR', `etaMin: expected a finite number ≥ 0, got ${etaMin}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
  }

  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

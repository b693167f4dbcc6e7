/**
 * Float64 references of PyTorch's optimizer rules, written from the update formulas in the
 * torch.optim documentation (SGD, Adam, AdamW pseudo-code), element by element with plain loops.
 * Each takes a parameter's initial values and, per step, its gradient (null: no gradient, the
 * step is skipped and the step count does not advance) and learning rate; it returns the
 * parameter after every step.
 */

export interface SgdRef {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

export function sgdRef(p0: ArrayLike<number>, grads: (ArrayLike<number> | null)[], lrs: number[], o: SgdRef): Float64Array[] {
  const p = Float64Array.from(p0);
  let buf: Float64Array | null = null;
  const out: Float64Array[] = [];
  grads.forEach((g, t) => {
    if (g) {
      const d = new Float64Array(p.length);
      for (let i = 0; i < p.length; i++) d[i] = g[i] + o.weightDecay * p[i];
      if (o.momentum !== 0) {
        if (!buf) {
          buf = Float64Array.from(d); // first step: the buffer is the gradient, no dampening
        } else {
          for (let i = 0; i < p.length; i++) buf[i] = o.momentum * buf[i] + (1 - o.dampening) * d[i];
        }
        for (let i = 0; i < p.length; i++) d[i] = o.nesterov ? d[i] + o.momentum * buf[i] : buf[i];
      }
      for (let i = 0; i < p.length; i++) p[i] -= lrs[t] * d[i];
    }
    out.push(Float64Array.from(p));
  });
  return out;
}

export interface AdamRef {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay the parameter by (1 − lr·wd) instead of adding wd·p to the gradient. */
  decoupled: boolean;
  amsgrad: boolean;
}

export function adamRef(p0: ArrayLike<number>, grads: (ArrayLike<number> | null)[], lrs: number[], o: AdamRef): Float64Array[] {
  const n = p0.length;
  const p = Float64Array.from(p0);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const vmax = new Float64Array(n);
  let step = 0;
  const out: Float64Array[] = [];
  grads.forEach((g, t) => {
    if (g) {
      step++;
      const lr = lrs[t];
      const bc1 = 1 - Math.pow(o.beta1, step);
      const bc2 = 1 - Math.pow(o.beta2, step);
      for (let i = 0; i < n; i++) {
        let d = g[i];
        if (o.decoupled) p[i] *= 1 - lr * o.weightDecay;
        else d += o.weightDecay * p[i];
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * d;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * d * d;
        vmax[i] = Math.max(vmax[i], v[i]);
        const vHat = (o.amsgrad ? vmax[i] : v[i]) / bc2;
        const mHat = m[i] / bc1;
        p[i] -= (lr * mHat) / (Math.sqrt(vHat) + o.eps);
      }
    }
    out.push(Float64Array.from(p));
  });
  return out;
}

/**
 * The learning rates PyTorch's schedulers produce through their recursive (chainable) get_lr(),
 * an independent formulation of the closed forms src/nn/schedule.ts uses: each epoch's rate is
 * derived from the previous one. Returns the rates for epochs 0..epochs.
 */
export function stepLrChain(base: number, epochs: number, stepSize: number, gamma: number): number[] {
  const out = [base];
  for (let e = 1; e <= epochs; e++) out.push(e % stepSize === 0 ? out[e - 1] * gamma : out[e - 1]);
  return out;
}

export function cosineLrChain(base: number, epochs: number, tMax: number, etaMin: number): number[] {
  const out = [base];
  for (let e = 1; e <= epochs; e++) {
    const prev = out[e - 1];
    if ((e - 1 - tMax) % (2 * tMax) === 0) out.push(prev + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    else out.push(((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (prev - etaMin) + etaMin);
  }
  return out;
}

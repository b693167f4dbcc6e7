/**
 * The blind-spot proof shared by the masked-conv block and BS3LNet's 'conv' network: for each
 * pixel p, backpropagate a one-hot output gradient at p (every output channel) and check that
 * the input gradient at p is exactly zero in every channel while the listed neighbours' are not.
 */
import * as assert from 'uvu/assert';
import { backward, tensor, type Tensor } from '../../src/index.ts';
import type { Gpu } from '../../src/gpu/index.ts';

interface Net {
  forward(x: Tensor): Tensor;
  zeroGrad(): void;
}

/** `x` is [1, C, H, W] with requiresGrad; offsets are the neighbours that must see a gradient. */
export async function assertBlindSpot(gpu: Gpu, net: Net, x: Tensor, pixels: number[][], offsets: number[][]): Promise<void> {
  const [, c, h, w] = x.shape;
  for (const [py, px] of pixels) {
    const y = net.forward(x);
    const o = y.shape[1];
    const dy = new Float32Array(o * h * w);
    for (let k = 0; k < o; k++) dy[(k * h + py) * w + px] = 1;
    const dyt = tensor(gpu, dy, y.shape);
    backward(y, dyt);
    const g = await x.grad!.data();
    for (let ch = 0; ch < c; ch++) assert.is(g[(ch * h + py) * w + px], 0, `channel ${ch} at (${py}, ${px})`);
    for (const [dy1, dx1] of offsets) {
      const [qy, qx] = [py + dy1, px + dx1];
      if (qy < 0 || qx < 0 || qy >= h || qx >= w) continue;
      let any = false;
      for (let ch = 0; ch < c; ch++) any ||= g[(ch * h + qy) * w + qx] !== 0;
      assert.ok(any, `neighbour (${qy}, ${qx}) of (${py}, ${px}) has a gradient`);
    }
    x.grad!.dispose();
    x.grad = null;
    net.zeroGrad();
    for (const t of [y, dyt]) t.dispose();
  }
}

/**
 * Two training steps of a small BS3LNet built from its own modules only (no barrel): the program
 * test/models/standalone.node.test.ts bundles alone and runs in a child process, and runs in the
 * test process too, where every module is loaded. Returns each step's loss and a weight checksum.
 */
import type { Gpu } from '../../src/gpu/index.ts';
import { backward } from '../../src/autograd/tape.ts';
import { scope } from '../../src/tensor/scope.ts';
import { randn } from '../../src/ops/random.ts';
import { mseLoss } from '../../src/ops/loss.ts';
import { Bs3lnet } from '../../src/models/bs3lnet.ts';
import { Adam } from '../../src/nn/optim.ts';

export async function trainSteps(gpu: Gpu, steps = 2): Promise<{ losses: number[]; weights: number[] }> {
  const model = new Bs3lnet(gpu, { bands: 6, hidden: 8, blocks: 1, blindspot: 'conv', seed: 3 });
  const x = randn(gpu, [2, 6, 9, 11], 5);
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = scope(() => {
      const l = mseLoss(model.forward(x), x);
      backward(l);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  const weights = Array.from(await model.parameters()[0].data()).slice(0, 16);
  x.dispose();
  opt.dispose();
  model.dispose();
  return { losses, weights };
}

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, OptionError, tensor, type Tensor } from '../../src/index.ts';
import { adaSelect, convSelect } from '../../src/ops/adaconv.ts';
import { AdaConv } from '../../src/nn/adaconv.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { adaConvRef, conv2dRef } from '../ref/adaconv.ts';

const test = suite('nn/adaconv');

test('AdaConv module: init bounds, guided and plain forward match the references', async () => {
  const gpu = await testGpu();
  const [c, o, h, w] = [4, 6, 8, 7];
  const m = new AdaConv(gpu, c, o, { seed: 5 });
  assert.equal(m.namedParameters().map(([name, t]) => [name, t.shape]), [['weight', [o, c, 3, 3]], ['bias', [o]]]);
  const bound = 1 / Math.sqrt(c * 9);
  const wd = await m.weight.data();
  const bd = await m.bias.data();
  for (const v of [...wd, ...bd]) assert.ok(Math.abs(v) <= bound, `init ${v} within ±${bound}`);
  assert.ok(Math.max(...wd.map(Math.abs)) > 0.8 * bound, 'weights fill their range');
  const xd = uniform(c * h * w, 41);
  const gd = uniform(h * w, 42, 0, 2);
  const x = tensor(gpu, xd, [1, c, h, w]);
  const guide = tensor(gpu, gd, [1, 1, h, w]);
  const tol = { atol: 1e-5, rtol: 1e-5 };
  // Outputs are disposed so their graphs (the parameters want gradients) are freed.
  const run = async (g: Tensor | ReturnType<typeof adaSelect> | null): Promise<ArrayLike<number>> => {
    const y = m.forward(x, g);
    const d = await y.data();
    y.dispose();
    return d;
  };
  assertClose('AdaConv guided', await run(guide), adaConvRef(xd, c, h, w, wd, o, bd, gd, 5, 3), tol);
  const sel = m.select(guide);
  assertClose('AdaConv shared selection', await run(sel), adaConvRef(xd, c, h, w, wd, o, bd, gd, 5, 3), tol);
  assertClose('AdaConv plain', await run(null), conv2dRef(xd, c, h, w, wd, o, 3, bd, 'zeros'), tol);
  throwsLike(() => m.forward(x, convSelect(gpu, h, w, 5)), GpuUsageError, /AdaConv: selection: expected one for kernel size 3, got 5/);
  throwsLike(() => m.forward(tensor(gpu, uniform(3 * h * w, 1), [1, 3, h, w]), null), GpuUsageError, /AdaConv: input: expected \[1, 4, H, W\]/);
  sel.dispose();
  m.dispose();
});

test('AdaConv options: window 7, kernel 5, other padding; bad sizes refused', async () => {
  const gpu = await testGpu();
  const [c, o, h, w] = [2, 3, 6, 7];
  const m = new AdaConv(gpu, c, o, { kernelSize: 5, windowSize: 7, guidePad: -1, seed: 9 });
  assert.equal(m.weight.shape, [o, c, 5, 5]);
  const xd = uniform(c * h * w, 91);
  const gd = uniform(h * w, 92, 0, 1);
  const [x, guide] = [tensor(gpu, xd, [c, h, w]), tensor(gpu, gd, [h, w])];
  const y = m.forward(x, guide);
  assertClose('AdaConv k 5 n 7 pad −1', await y.data(), adaConvRef(xd, c, h, w, await m.weight.data(), o, await m.bias.data(), gd, 7, 5, -1), { atol: 1e-5, rtol: 1e-5 });
  throwsLike(() => new AdaConv(gpu, c, o, { kernelSize: 4 }), OptionError, /AdaConv: kernelSize: expected an odd positive integer, got 4/);
  throwsLike(() => new AdaConv(gpu, 0, o), OptionError, /AdaConv: inChannels: expected a positive integer, got 0/);
  for (const t of [x, guide, y]) t.dispose();
  m.dispose();
});

test.run();

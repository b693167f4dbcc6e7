import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor } from '../../src/index.ts';
import { Generator } from '../../src/ops/random.ts';
import { defaultGenerator, manualSeed, normal_, ones_, uniform_, zeros_ } from '../../src/nn/init.ts';
import { testGpu } from '../harness/gpu.ts';

const test = suite('nn/init');

const values = async (t: { data(): Promise<ArrayLike<number>> }): Promise<number[]> => Array.from(await t.data());

test('manualSeed restarts the generator unseeded draws use; defaultGenerator is that generator', async () => {
  const gpu = await testGpu();
  const t = tensor(gpu, new Float32Array(1031), [1031]);
  manualSeed(11);
  const g = defaultGenerator();
  assert.instance(g, Generator);
  assert.is(g.seed, 11);
  const first = await values(uniform_(t));
  const second = await values(uniform_(t));
  assert.not.equal(second, first, 'each unseeded draw takes the next stream');
  const z1 = await values(normal_(t));
  manualSeed(11);
  assert.is.not(defaultGenerator(), g, 'a fresh generator');
  assert.equal(await values(uniform_(t)), first, 'the same order of draws after the same seed gives the same values');
  assert.equal(await values(uniform_(t)), second);
  assert.equal(await values(normal_(t)), z1);
  // Unseeded draws are the draws of a Generator with that seed, stream by stream.
  const own = new Generator(11);
  assert.equal(await values(uniform_(t, 0, 1, own)), first);
  manualSeed(12);
  assert.not.equal(await values(uniform_(t)), first, 'another seed, other values');
  assert.ok(first.every((v) => v >= 0 && v < 1));
  t.dispose();
  manualSeed(0);
});

test('ones_ and zeros_ overwrite every element in place and keep the tensor', async () => {
  const gpu = await testGpu();
  const t = tensor(gpu, Float32Array.from({ length: 2 * 3 * 67 }, (_, i) => i - 100.5), [2, 3, 67]);
  const buffer = t.buffer;
  assert.is(ones_(t), t);
  assert.is(t.buffer, buffer, 'same buffer');
  assert.equal(t.shape, [2, 3, 67]);
  assert.equal(await values(t), new Array(402).fill(1));
  assert.is(zeros_(t), t);
  assert.equal(await values(t), new Array(402).fill(0));
  const empty = tensor(gpu, [], [0, 4]);
  assert.is(ones_(empty), empty);
  t.dispose();
  empty.dispose();
});

test.run();

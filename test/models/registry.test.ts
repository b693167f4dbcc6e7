/**
 * The model registry (src/models/index.ts): every method is described completely (options with
 * types, defaults and help; presets), options are checked before any work, unknown names list
 * the known ones, and a run through the registry is bit-identical to calling the method directly.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../src/index.ts';
import { checkOptions, findModel, MODEL_REGISTRY, modelsFor } from '../../src/models/index.ts';
import { globalRx } from '../../src/models/rx.ts';
import { localRx } from '../../src/models/lrx.ts';
import { bs3ResultScores, trainBs3lnet } from '../../src/models/bs3train.ts';
import { synthScene } from '../../src/data/synth.ts';
import { testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('models/registry');

test('every entry: unique name, a task, a summary, options with help and a valid range or choices, settings from defaults', () => {
  const names = MODEL_REGISTRY.map((m) => m.name);
  assert.equal(new Set(names).size, names.length, 'names are unique');
  assert.equal(modelsFor('detect').map((m) => m.name), ['bs3lnet', 'superad', 'rx', 'lrx']);
  for (const m of MODEL_REGISTRY) {
    assert.ok(m.summary.length > 20, `${m.name} summary`);
    for (const [name, spec] of Object.entries(m.options)) {
      assert.ok(spec.help.length > 5, `${m.name}.${name} help`);
      if (spec.type === 'choice') assert.ok(spec.choices.length > 1 && (spec.default === undefined || spec.choices.includes(spec.default)), `${m.name}.${name} choices`);
      else assert.ok(spec.min <= spec.max && (spec.default === undefined || (spec.default >= spec.min && spec.default <= spec.max)), `${m.name}.${name} range`);
      assert.ok(spec.default !== undefined || spec.defaultText, `${m.name}.${name}: a default or a text saying who decides it`);
    }
    if (m.presets) assert.equal(Object.keys(m.presets), (m.options.preset as unknown as { choices: string[] }).choices, `${m.name}: a text per preset`);
    assert.type(m.settings({}), 'object');
  }
});

test('options are checked before any work: unknown names, types, ranges and combinations', () => {
  const bs3 = findModel('bs3lnet', 'detect');
  throwsLike(() => checkOptions(bs3, { epoch: 3 }), OptionError, /bs3lnet: option 'epoch': expected one of preset, blindspot, epochs, steps, pd, score, seed, got 'epoch'/);
  throwsLike(() => checkOptions(bs3, { epochs: 2.5 }), OptionError, /bs3lnet: epochs: expected an integer in \[1, 1000000\], got 2\.5/);
  throwsLike(() => checkOptions(bs3, { preset: 'slow' }), OptionError, /bs3lnet: preset: expected one of fast, paper, got slow/);
  throwsLike(() => bs3.settings({ preset: 'paper', pd: 2 }), OptionError, /trainBs3lnet: pd: expected a positive integer \(above 1 with whole-image steps only\), got 2 with patch steps/);
  throwsLike(() => findModel('lrx', 'detect').settings({ outer: 5, inner: 7 }), OptionError, /lrx: windows: expected odd sizes with inner < outer, got outer 5, inner 7/);
  throwsLike(() => checkOptions(findModel('rx', 'detect'), { ridge: -1 }), OptionError, /rx: ridge: expected a number in \[0, 1e\+30\], got -1/);
  throwsLike(() => findModel('superad-typo', 'detect'), OptionError, /model: expected one of bs3lnet, superad, rx, lrx \(task detect\), got superad-typo/);
  assert.equal(checkOptions(bs3, {}), { preset: 'fast', seed: 1 }, 'spec defaults filled; preset-dependent ones left to the method');
});

test('a run through the registry gives the same scores, bit for bit, as calling the method', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 21, cols: 18, bands: 9, anomalies: 3, seed: 4 });
  const rx = await findModel('rx', 'detect').run(gpu, cube, {});
  assert.equal(Array.from(rx.scores), Array.from(await globalRx(gpu, cube)));
  const lrx = await findModel('lrx', 'detect').run(gpu, cube, { outer: 7, inner: 3, dims: 5 });
  assert.equal(Array.from(lrx.scores), Array.from(await localRx(gpu, cube, { outer: 7, inner: 3, dims: 5 })));
  assert.equal(lrx.settings, { outer: 7, inner: 3, dims: 5, relRidge: 1e-6 });
  const steps: number[] = [];
  const bs3 = await findModel('bs3lnet', 'detect').run(gpu, cube, { epochs: 4, seed: 3 }, { onProgress: (p) => steps.push(p.step) });
  const direct = await trainBs3lnet(gpu, cube, { epochs: 4, seed: 3 });
  assert.equal(Array.from(bs3.scores), Array.from(await bs3ResultScores(gpu, direct)));
  direct.model.dispose();
  assert.equal(steps, [1, 2, 3, 4]);
  assert.equal([bs3.settings.preset, bs3.settings.epochs, bs3.settings.steps, bs3.settings.seed], ['fast', 4, 4, 3]);
  const ctl = new AbortController();
  const stopped = await findModel('bs3lnet', 'detect').run(gpu, cube, { epochs: 6 }, { signal: ctl.signal, onProgress: (p) => p.step === 2 && ctl.abort() });
  assert.equal(stopped.aborted, { step: 2, steps: 6 });
  assert.is(stopped.scores.length, 0);
});

test.run();

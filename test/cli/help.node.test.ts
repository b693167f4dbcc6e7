// Node only: `hsi detect --help` is generated from the model registry, and flags are checked against the chosen model.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';
import { modelsFor } from '../../src/models/index.ts';

const test = suite('cli/help');
const kebab = (n: string): string => n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

test('hsi detect --help lists every registered detector with each of its options and presets', async () => {
  const { stdout } = await hsi(['detect', '--help']);
  for (const m of modelsFor('detect')) {
    assert.match(stdout, new RegExp(`^  ${m.name} +${m.summary.replace(/[()]/g, '\\$&')}`, 'm'));
    for (const name of Object.keys(m.options)) assert.ok(stdout.includes(`--${kebab(name)} `), `${m.name}: --${kebab(name)}`);
    for (const p of Object.keys(m.presets ?? {})) assert.ok(stdout.includes(`preset ${p}: `), `${m.name}: preset ${p}`);
  }
  assert.match(stdout, /usage: hsi detect <file> \[--model bs3lnet\|superad\|rx\|lrx\]/);
  assert.match((await hsi(['help'])).stdout, /detect +score a scene for anomalies \(bs3lnet, superad, rx, lrx\)/);
});

test('an unknown model lists the known ones; a flag of another model, an out-of-range or clashing value is a usage error', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', 'nope'], /--model: expected one of bs3lnet, superad, rx, lrx, got nope/],
    [['--model', 'rx', '--epochs', '3'], /--epochs: not an option of --model rx \(its options: --ridge\)/],
    [['--model', 'lrx', '--seed', '2'], /--seed: not an option of --model lrx \(its options: --outer, --inner, --dims\)/],
    [['--preset', 'paper', '--pd', '2'], /pd: expected a positive integer \(above 1 with whole-image steps only\), got 2 with patch steps/],
    [['--model', 'lrx', '--outer', '5', '--inner', '7'], /hsi detect: windows: expected odd sizes with --inner < --outer, got --outer 5, --inner 7/],
    [['--epochs', '2.5'], /--epochs: expected an integer in \[1, 1000000\], got 2\.5/],
    [['--model', 'rx', '--ridge', 'x'], /--ridge: expected a number in \[0, 1e\+30\], got x/],
  ];
  for (const [args, message] of cases) {
    // The scene does not exist: options are refused before any file is read.
    const r = await hsiFails(['detect', 'no-such-scene.mat', ...args]);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test.run();

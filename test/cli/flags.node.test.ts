// Node only: `hsi detect` flags. Flags that cannot apply are usage errors naming them; messages
// name flags, not library options; maps that are no anomaly truth are refused with a warning;
// --map FILE in every format, --layout, --bands/--drop-bands/--crop, LRX windows, a second Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, hsi, hsiFails } from '../harness/cli.ts';
import { synthScene } from '../../src/data/synth.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { cubeVariable, mapVariable, writeMat, type MatVariable } from '../../src/data/matwrite.ts';
import { makeCube, type Cube } from '../../src/data/cube.ts';
import { writeTiffRef } from '../ref/tiff.ts';
import { checkScores } from '../../src/cli/detectrun.ts';

const test = suite('cli/flags');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-flags-'));
const at = (f: string): string => path.join(dir, f);
const { cube, map } = synthScene({ rows: 24, cols: 20, bands: 12, anomalies: 4, seed: 9 });
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const mat = (file: string, vars: MatVariable[]): void => writeFileSync(at(file), writeMat(vars));
/** A cube as numpy's rows × cols × bands. */
const hwc = (c: Cube): Float32Array => {
  const out = new Float32Array(c.data.length);
  for (let b = 0; b < c.bands; b++) for (let p = 0; p < c.rows * c.cols; p++) out[p * c.bands + b] = c.data[b * c.rows * c.cols + p];
  return out;
};
const detectJson = async (args: string[]) => {
  const r = await hsi(['detect', ...args, '--json']);
  return { s: last(r.stdout), stderr: r.stderr };
};

test.before(() => {
  mat('scene.mat', [cubeVariable('data', cube), mapVariable('map', map)]);
  mat('nomap.mat', [cubeVariable('data', cube)]);
  writeFileSync(at('scene.npy'), writeNpy(hwc(cube), [cube.rows, cube.cols, cube.bands]));
});

test('flags that cannot apply, given twice, or out of range: exit 2 naming the flag, no library words', async () => {
  const usage = async (args: string[], message: RegExp) => {
    const r = await hsiFails(['detect', ...args, '--out', at('never')]);
    assert.is(r.code, 2, `hsi detect ${args.join(' ')}: exit code`);
    assert.match(r.stderr, message, `hsi detect ${args.join(' ')}`);
    assert.not.match(r.stderr, /\n\s+at \S+ \(|trainBs3lnet|nonFinite/);
  };
  const npy = at('scene.npy');
  const m = at('scene.mat');
  await usage([m, '--model', 'rx', '--model', 'lrx'], /--model: expected once, got 2 times \(rx, lrx\)/);
  await usage([m, '--model', 'rx', '--epochs', '3'], /--epochs: not an option of --model rx/);
  await usage([m, '--model', 'rx', '--pd', '2'], /--pd: not an option of --model rx/);
  await usage([m, '--model', 'rx', '--blindspot', 'mask'], /--blindspot: not an option of --model rx/);
  await usage([npy, '--data', 'cube'], /--data cube: names a variable of a \.mat scene, got scene\.npy/);
  await usage([npy, '--map', 'gt'], /--map gt: a variable name only applies to a \.mat scene, got scene\.npy; pass the map's file: --map FILE\[:VAR\]/);
  await usage([m, '--layout', 'chw'], /--layout: applies to \.npy scenes only, got scene\.mat/);
  await usage([m, '--preset', 'paper', '--pd', '2'], /^hsi detect: --pd: expected .* got 2 .*\(given: --model bs3lnet --preset paper --pd 2\)/);
  await usage([m, '--epochs', '-1'], /--epochs: expected an integer in \[1, \d+\], got -1/);
  await usage([m, '--model', 'lrx', '--outer', '5', '--inner', '7'], /windows: expected odd sizes with --inner < --outer, got --outer 5, --inner 7/);
  await usage([m, '--bands', '0-3'], /--bands: expected 1-based band numbers and ranges like 1-100,120-150,160, got 0-3/);
  await usage([m, '--model', 'rx', '--bands', '5-40'], /--bands: expected band numbers 1\.\.12 \(1-based; the scene has 12 bands\), got 40/);
  await usage([m, '--model', 'rx', '--crop', '1:30,1:5'], /--crop: expected rows 1\.\.24 and columns 1\.\.20 \(1-based, inclusive\), got 1:30,1:5/);
  await usage([m, '--map', path.join(dir, 'missing.npy')], /--map: expected an existing map file \(FILE or FILE:VAR\) or a variable name, got .*missing\.npy/);
});

test('library option names become flags in data messages (--non-finite, --data, --map)', async () => {
  const nan = makeCube('nan', cube.rows, cube.cols, cube.bands, Float32Array.from(cube.data));
  nan.data[5] = NaN;
  mat('nan.mat', [cubeVariable('data', nan)]);
  let r = await hsiFails(['detect', at('nan.mat'), '--model', 'rx', '--out', at('never')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /1 NaN\/Inf values in the cube; pass --non-finite zero or band-mean to fill them/);
  mat('two.mat', [cubeVariable('a', cube), cubeVariable('b', cube)]);
  r = await hsiFails(['detect', at('two.mat'), '--model', 'rx', '--out', at('never')]);
  assert.match(r.stderr, /expected one 3-D numeric variable, got 2; name one with --data NAME/);
  mat('twomaps.mat', [cubeVariable('data', cube), mapVariable('ab', map), mapVariable('cd', map)]);
  r = await hsiFails(['detect', at('twomaps.mat'), '--model', 'rx', '--out', at('never')]);
  assert.match(r.stderr, /name one with --map NAME \(or --map none\)/);
  const ok = await detectJson([at('twomaps.mat'), '--model', 'rx', '--map', 'cd', '--out', at('twomaps')]);
  assert.equal(ok.s.provenance.variables, { data: 'data', map: 'cd' });
});

test('maps that are no anomaly truth: class labels and wrong sizes warned and not used; one class: AUC undefined', async () => {
  // The issue's case: Indian Pines' 4-class label map was read as an anomaly map (AUC 0.28).
  const pines = path.resolve('../shared/data/clust/Indian_pines_subset85x70.mat');
  const r = await hsi(['detect', pines, '--model', 'rx', '--out', at('pines')]);
  assert.match(r.stderr, /warning: Indian_pines_subset85x70\.mat:grd: not used as anomaly truth: expected two values \(0 background, 1 or more anomaly\), got 5 values \(0, 1, 2, 3, 4\), a class-label map; name a 0\/1 map with --map NAME\n/);
  assert.match(r.stdout, /no ground-truth map: no AUCs/);
  mat('small.mat', [cubeVariable('data', cube), mapVariable('gt', { rows: 5, cols: 4, data: new Float64Array(20).fill(1) })]);
  let j = await detectJson([at('small.mat'), '--model', 'rx', '--out', at('small')]);
  assert.match(j.stderr, /warning: small\.mat:gt: not used as anomaly truth: expected the cube's 24×20, got 5×4/);
  assert.is(j.s.auc, null);
  mat('zero.mat', [cubeVariable('data', cube), mapVariable('map', { rows: 24, cols: 20, data: new Float64Array(480) })]);
  const z = await hsi(['detect', at('zero.mat'), '--model', 'rx', '--out', at('zero')]);
  assert.match(z.stderr, /warning: zero\.mat:map: the map has one class only \(all 0\): AUC undefined/);
  assert.match(z.stdout, /zero rx: AUC undefined: the map has one class only/);
  // A 1×N scene: its map is a vector, and still its map.
  const n = 64;
  const line = makeCube('line', 1, n, 6, Float32Array.from({ length: 6 * n }, (_, i) => Math.sin(i * 12.9898) * 0.1 + (i % n === 9 || i % n === 40 ? 3 : 0)));
  const truth = { rows: 1, cols: n, data: Int32Array.from({ length: n }, (_, c) => (c === 9 || c === 40 ? 1 : 0)) };
  mat('line.mat', [cubeVariable('data', line), mapVariable('map', truth)]);
  j = await detectJson([at('line.mat'), '--model', 'rx', '--out', at('line')]);
  assert.is(j.s.auc.anomalyPixels, 2);
  assert.ok(j.s.auc.aucDF > 0.9, `AUC ${j.s.auc.aucDF}`);
});

test('--map FILE[:VAR] in every format gives the AUC of the scene\'s own map', async () => {
  const own = (await detectJson([at('scene.mat'), '--model', 'rx', '--out', at('own')])).s.auc.aucDF;
  mat('gt.mat', [mapVariable('truth', map, 'uint8')]);
  writeFileSync(at('gt.npy'), writeNpy(Int32Array.from(map.data), [map.rows, map.cols]));
  writeFileSync(at('gt.tif'), writeTiffRef([{ rows: map.rows, cols: map.cols, bands: [[...map.data]], type: 'u8' }]));
  writeFileSync(at('gt.hdr'), `ENVI\nsamples = ${map.cols}\nlines = ${map.rows}\nbands = 1\ndata type = 3\ninterleave = bsq\nbyte order = 0\n`);
  writeFileSync(at('gt.img'), new Uint8Array(Int32Array.from(map.data).buffer));
  for (const spec of ['gt.mat:truth', 'gt.npy', 'gt.tif', 'gt.hdr']) {
    const { s } = await detectJson([at('nomap.mat'), '--model', 'rx', '--map', at(spec), '--out', at(`m-${spec.replace(/\W/g, '')}`)]);
    assert.is(s.auc?.aucDF, own, spec);
    assert.is(s.provenance.variables.map, spec);
  }
  writeFileSync(at('labels.npy'), writeNpy(Int32Array.from({ length: 480 }, (_, i) => i % 3), [24, 20]));
  const r = await hsiFails(['detect', at('nomap.mat'), '--model', 'rx', '--map', at('labels.npy'), '--out', at('never')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /labels\.npy: not used as anomaly truth: expected two values .* got 3 values \(0, 1, 2\), a class-label map; pass a 0\/1 anomaly map/);
});

test('--layout chw reads bands×rows×cols; the hwc guess warns when it puts few bands after a long first axis', async () => {
  const wide = synthScene({ rows: 16, cols: 12, bands: 120, anomalies: 2, seed: 4 });
  writeFileSync(at('chw.npy'), writeNpy(wide.cube.data, [120, 16, 12]));
  const guess = await detectJson([at('chw.npy'), '--model', 'rx', '--out', at('guess')]);
  assert.match(guess.stderr, /warning: chw\.npy: read as rows×cols×bands = 120×16×12 \(--layout hwc, the default guess\); if the array is bands×rows×cols \(120 bands\), pass --layout chw/);
  const { s, stderr } = await detectJson([at('chw.npy'), '--model', 'rx', '--layout', 'chw', '--bands', '1-20,31-40', '--out', at('chw')]);
  assert.not.match(stderr, /warning/);
  assert.equal([s.rows, s.cols, s.bands, s.provenance.layout], [16, 12, 30, 'chw']);
  const plain = await detectJson([at('scene.npy'), '--model', 'rx', '--out', at('hwc')]);
  assert.not.match(plain.stderr, /warning/);
  assert.equal([plain.s.rows, plain.s.cols, plain.s.bands, plain.s.provenance.layout], [24, 20, 12, 'hwc']);
});

test('--bands, --drop-bands and --crop cut the scene and its map (1-based, inclusive); LRX windows as flags', async () => {
  const all = await detectJson([at('scene.npy'), '--model', 'rx', '--map', at('gt.npy'), '--out', at('all')]);
  const { s } = await detectJson([at('scene.mat'), '--model', 'rx', '--bands', '1-12', '--drop-bands', '3-4,12', '--crop', '1:24,1:20', '--out', at('cut')]);
  assert.is(s.bands, 9);
  assert.equal(s.provenance.selection, { bands: [[1, 12]], dropBands: [[3, 4], [12, 12]], crop: [1, 24, 1, 20] });
  assert.is.not(s.auc.aucDF, all.s.auc.aucDF, 'fewer bands, other scores');
  const crop = (await detectJson([at('scene.mat'), '--model', 'rx', '--crop', '3:22,2:19', '--out', at('crop')])).s;
  assert.equal([crop.rows, crop.cols, crop.bands], [20, 18, 12]);
  assert.is(crop.auc.anomalyPixels, [...map.data].filter((v, i) => v > 0 && Math.floor(i / 20) >= 2 && Math.floor(i / 20) <= 21 && i % 20 >= 1 && i % 20 <= 18).length);
  const lrx = (await detectJson([at('scene.mat'), '--model', 'lrx', '--outer', '9', '--inner', '3', '--dims', '5', '--out', at('lrx')])).s;
  assert.equal([lrx.settings.outer, lrx.settings.inner, lrx.settings.dims], [9, 3, 5]);
});

test('a second Ctrl-C after training stopped exits 130, not by the signal', async () => {
  const child = spawn('node', [cli, 'detect', at('scene.mat'), '--epochs', '100000', '--out', at('stopped')]);
  let stderr = '';
  let sent = 0;
  const result = await new Promise<[number | null, string | null]>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (sent === 0 && /step 1\//.test(stderr)) (child.kill('SIGINT'), sent++);
      if (sent === 1 && /stopped at step/.test(stderr)) (child.kill('SIGINT'), sent++);
    });
    child.on('close', (code, signal) => resolve([code, signal]));
  });
  assert.is(sent, 2, stderr);
  assert.equal(result, [130, null]);
});

test('scores with NaN/Inf are refused before anything is written', () => {
  assert.not.throws(() => checkScores('s', 'rx', new Float32Array([1, 2])));
  assert.throws(() => checkScores('s', 'rx', new Float32Array([NaN, NaN])), /^s rx: scores: expected finite values, got 2 NaN\/Inf of 2 \(all\); nothing written/);
  assert.throws(() => checkScores('s', 'rx', new Float32Array([1, Infinity])), /got 1 NaN\/Inf of 2;/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

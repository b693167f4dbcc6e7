// Node only: `hsi synth`, `hsi inspect` and `hsi detect` (RX, LRX, BS3LNet) run as a user would, on a small scene.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, hsi, hsiFails } from '../harness/cli.ts';
import { readNpy } from '../../src/data/npy.ts';
import { listMatVariables } from '../../src/data/mat.ts';

const test = suite('cli/detect');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-cli-'));
const scene = path.join(dir, 'tiny.mat');

test('hsi synth writes a deterministic scene that inspect describes', async () => {
  const { stdout } = await hsi(['synth', '--rows', '40', '--cols', '36', '--bands', '30', '--anomalies', '6', '--seed', '3', '--out', scene]);
  assert.match(stdout, /wrote .*tiny\.mat: 40×36×30, 6 targets/);
  const again = path.join(dir, 'again.mat');
  await hsi(['synth', '--rows', '40', '--cols', '36', '--bands', '30', '--anomalies', '6', '--seed', '3', '--out', again]);
  assert.ok(Buffer.compare(readFileSync(scene), readFileSync(again)) === 0, 'same seed, same bytes');
  const info = JSON.parse((await hsi(['inspect', scene, '--json'])).stdout);
  const data = info.variables.find((v: { name: string }) => v.name === 'data');
  assert.equal(data.dims, [40, 36, 30]);
  assert.is(data.class, 'single');
});

test('hsi detect --json: summary schema, files, AUCs on the implanted anomalies', async () => {
  const out = path.join(dir, 'rx');
  const { stdout } = await hsi(['detect', scene, '--model', 'rx', '--out', out, '--json']);
  const lines = stdout.trim().split('\n');
  const s = JSON.parse(lines[lines.length - 1]);
  for (const key of ['scene', 'file', 'rows', 'cols', 'bands', 'model', 'settings', 'seed', 'auc', 'seconds', 'adapter', 'out', 'files']) assert.ok(key in s, key);
  assert.is(s.model, 'rx');
  assert.equal([s.rows, s.cols, s.bands], [40, 36, 30]);
  assert.ok(s.auc.aucDF > 0.9, `AUC ${s.auc.aucDF}`);
  assert.ok(s.auc.anomalyPixels > 0);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')), s);
  for (const f of Object.values(s.files) as string[]) assert.ok(existsSync(path.join(out, f)), f);
  const npy = readNpy(readFileSync(path.join(out, s.files.scoresNpy)));
  assert.equal(npy.shape, [40, 36]);
  const png = readFileSync(path.join(out, s.files.scoreMap));
  assert.equal([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const csv = readFileSync(path.join(out, s.files.roc), 'utf8').split('\n');
  assert.is(csv[0], 'threshold,pf,pd');
  const vars = await listMatVariables(readFileSync(path.join(out, s.files.scoresMat)), 'scores.mat');
  assert.equal(vars.map((v) => [v.name, v.dims, v.class]), [['scores', [40, 36], 'single']]);
});

test('hsi detect --model lrx prints the AUCs', async () => {
  const { stdout } = await hsi(['detect', scene, '--model', 'lrx', '--out', path.join(dir, 'lrx')]);
  assert.match(stdout, /^tiny lrx: AUC\(D,F\) 0\.\d{4}, AUC\(D,τ\) .* SNPR .* dB \(\d+\.\d\d s\); outputs in /);
});

test('hsi detect --model bs3lnet: trains with progress lines, same seed gives the same scores', async () => {
  const outs = [path.join(dir, 'bs3a'), path.join(dir, 'bs3b')];
  const runs = [];
  for (const out of outs) runs.push(await hsi(['detect', scene, '--model', 'bs3lnet', '--epochs', '3', '--seed', '7', '--out', out, '--json']));
  const s = JSON.parse(runs[0].stdout.trim().split('\n').at(-1)!);
  assert.is(s.model, 'bs3lnet');
  assert.is(s.seed, 7);
  assert.equal([s.settings.preset, s.settings.blindspot, s.settings.pd, s.settings.epochs, s.settings.steps, s.settings.score], ['fast', 'conv', 2, 3, 3, 'l1']);
  assert.ok(s.seconds.train > 0 && Number.isFinite(s.settings.finalLoss));
  assert.match(runs[0].stderr, /step 1\/3 loss \d/);
  const [a, b] = outs.map((o) => readFileSync(path.join(o, 'scores.npy')));
  assert.ok(Buffer.compare(a, b) === 0, 'same seed, same scores');
  const mask = await hsi(['detect', scene, '--blindspot', 'mask', '--pd', '1', '--epochs', '2', '--out', path.join(dir, 'bs3m'), '--json']);
  const m = JSON.parse(mask.stdout.trim().split('\n').at(-1)!);
  assert.equal([m.settings.blindspot, m.settings.pd, m.settings.steps, m.settings.score], ['mask', 1, 2, 'l2']);
  const l1 = await hsi(['detect', scene, '--blindspot', 'mask', '--score', 'l1', '--epochs', '2', '--out', path.join(dir, 'bs3l1'), '--json']);
  assert.is(JSON.parse(l1.stdout.trim().split('\n').at(-1)!).settings.score, 'l1');
});

test('hsi detect: Ctrl-C during training exits 130 and writes nothing', async () => {
  const out = path.join(dir, 'stopped');
  const child = spawn('node', [cli, 'detect', scene, '--epochs', '100000', '--out', out]);
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      // One Ctrl-C: a second one quits at once (exit 130 without the clean stop).
      if (!child.killed && /step 1\//.test(stderr)) child.kill('SIGINT');
    });
    child.on('close', resolve);
  });
  assert.is(code, 130);
  assert.ok(/stopped at step \d+ of 100000; nothing written/.test(stderr), stderr);
  assert.not.ok(existsSync(path.join(out, 'summary.json')));
});

test('bad command lines exit 2 with usage; bad files exit 1 naming the problem; neither writes anything', async () => {
  const out = path.join(dir, 'never');
  const usage = async (args: string[], message: RegExp) => {
    const r = await hsiFails([...args, '--out', out]);
    assert.is(r.code, 2, `hsi ${args.join(' ')}: exit code`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /usage: hsi detect <file>/, `hsi ${args.join(' ')}: usage printed`);
  };
  await usage(['detect', scene, '--model', 'nope'], /--model: expected one of bs3lnet, superad, rx, lrx, got nope/);
  await usage(['detect', scene, '--blindspot', 'centre'], /--blindspot: expected one of mask, conv, got centre/);
  await usage(['detect', scene, '--pd', '0'], /--pd: expected an integer in \[1, 8\], got 0/);
  await usage(['detect', scene, '--score', 'l3'], /--score: expected one of l1, l2, got l3/);
  await usage(['detect'], /./);
  let r = await hsiFails(['detect', path.join(dir, 'missing.mat'), '--out', out]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /missing\.mat: cannot read the file \(ENOENT\); check the path/);
  r = await hsiFails(['detect', path.join(dir, 'scene.xyz'), '--out', out]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /scene\.xyz: format: expected one of \.mat, .*, got '\.xyz'; convert the scene/);
  assert.not.ok(existsSync(out), 'a failed command writes no output folder');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

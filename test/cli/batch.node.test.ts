// Node only: `hsi detect` on several scenes (files or a folder): one run folder with a folder per
// scene, summary.csv and summary.json; a failing scene is named and does not stop the others.
// In a folder, ground-truth files (*_gt.*, as hsi synth --out X.npy writes beside X.npy) are no scenes.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';

const test = suite('cli/batch');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-batch-'));
const scenes = path.join(dir, 'scenes');

test.before(async () => {
  mkdirSync(scenes);
  await hsi(['synth', '--rows', '20', '--cols', '16', '--bands', '10', '--seed', '1', '--out', path.join(scenes, 'a.mat')]);
  await hsi(['synth', '--rows', '18', '--cols', '18', '--bands', '8', '--seed', '2', '--out', path.join(scenes, 'b.npy')]);
  writeFileSync(path.join(scenes, 'broken.mat'), 'not a mat file '.repeat(20));
  mkdirSync(path.join(dir, 'empty'));
});

test('a folder: a line per scene, a table, a folder per scene; the failing scene is named, exit 1', async () => {
  const out = path.join(dir, 'out');
  const r = await hsiFails(['detect', scenes, '--model', 'rx', '--out', out]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /hsi detect: broken: failed: broken\.mat: not a MAT-file/);
  assert.match(r.stderr, /1 of 3 scenes failed: broken \(see summary\.csv in /);
  const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.scenes.map((x: { scene: string; ok: boolean }) => [x.scene, x.ok]), [['a', true], ['b', true], ['broken', false]]);
  assert.equal(s.failed, ['broken']);
  assert.match(s.provenance.command, /^hsi detect .*scenes --model rx --out /);
  assert.equal(readdirSync(out).sort(), ['a', 'b', 'summary.csv', 'summary.json']);
  const a = JSON.parse(readFileSync(path.join(out, 'a', 'summary.json'), 'utf8'));
  assert.is(a.out, path.join(out, 'a'));
  assert.ok(a.auc.aucDF > 0.8, `AUC ${a.auc.aucDF}`);
  assert.ok(existsSync(path.join(out, 'b', 'scores.npy')));
  const csv = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n');
  assert.is(csv[0], 'scene,file,status,aucDF,aucDtau,aucFtau,snprDb,seconds,folder,error');
  assert.match(csv[1], new RegExp(`^a,.*a\\.mat,ok,${a.auc.aucDF},`));
  assert.match(csv[3], /^broken,.*,failed,,,,,,broken,"?broken\.mat: not a MAT-file/);
});

test('files on the command line share one adapter and print a table; a reused --out is replaced', async () => {
  const out = path.join(dir, 'out');
  const a = path.join(scenes, 'a.mat');
  const r = await hsi(['detect', a, path.join(scenes, 'b.npy'), '--map', 'none', '--model', 'rx', '--format', 'tif,envi', '--out', out]);
  assert.match(r.stdout, /^a rx: no ground-truth map/m);
  assert.match(r.stdout, /^scene\s+AUC\(D,F\)\s+AUC\(D,τ\)\s+AUC\(F,τ\)\s+status\n/m);
  assert.match(r.stdout, /^b\s+–\s+–\s+–\s+ok$/m);
  assert.equal(readdirSync(out).sort(), ['a', 'b', 'summary.csv', 'summary.json']);
  assert.not.ok(existsSync(path.join(out, 'a', 'roc.csv')), 'no file of the earlier run');
  // --format reaches every scene of a batch: GeoTIFF and ENVI scores, no .npy/.mat.
  for (const scene of ['a', 'b']) {
    const files = readdirSync(path.join(out, scene));
    for (const f of ['scores.tif', 'scores.hdr', 'scores.img']) assert.ok(files.includes(f), `${scene}/${f} in ${files}`);
    assert.not.ok(files.includes('scores.npy'), `${scene}: only the formats asked for`);
  }
  const j = await hsi(['detect', a, path.join(scenes, 'b.npy'), '--model', 'rx', '--out', out, '--json']);
  const last = JSON.parse(j.stdout.trim().split('\n').at(-1)!);
  assert.equal([last.command, last.scenes.length, last.failed], ['detect', 2, []]);
  assert.equal(last, JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')));
  const u = await hsiFails(['detect', a, a, '--map', path.join(scenes, 'b_gt.npy'), '--out', path.join(dir, 'never')]);
  assert.is(u.code, 2);
  assert.match(u.stderr, /--map .*b_gt\.npy: one map file fits one scene, got 2 scenes/);
  const e = await hsiFails(['detect', path.join(dir, 'empty'), '--out', path.join(dir, 'never')]);
  assert.is(e.code, 2);
  assert.match(e.stderr, /file: expected scene files .* got a folder without any/);
  assert.not.ok(existsSync(path.join(dir, 'never')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

// Node only: `hsi tune` writes a table for this adapter, and `hsi detect --tuning` uses or refuses it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { matmulKey } from '../../src/ops/matmul.ts';
import { cli, hsi, hsiFails } from '../harness/cli.ts';

const exec = promisify(execFile);

const test = suite('cli/tune');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-tune-'));
const table = path.join(dir, 'tuning.json');

test('hsi tune measures every choice and writes a table for this adapter', async () => {
  const { stdout } = await hsi(['tune', '--bands', '12', '--size', '16', '--rounds', '1', '--out', table, '--json']);
  const lines = stdout.trim().split('\n');
  const report = JSON.parse(lines[lines.length - 1]);
  const saved = JSON.parse(readFileSync(table, 'utf8'));
  assert.is(saved.format, 'hsi-gpu-tuning/1');
  const adapter = report.adapter;
  assert.is(saved.adapter, [adapter.vendor, adapter.architecture, adapter.device, adapter.description].map((s: string) => s || '-').join(' | '));
  assert.ok(report.results.length >= 3, 'three matmul buckets at least');
  for (const r of report.results) {
    assert.is(saved.entries[r.key].choice, r.choice, r.key);
    assert.ok(r.choice in r.ms, `${r.key}: the winner was measured`);
  }
});

test('hsi detect --tuning loads the table; a foreign or missing one is refused', async () => {
  const scene = path.join(dir, 'tiny.mat');
  await hsi(['synth', '--rows', '24', '--cols', '20', '--bands', '12', '--anomalies', '3', '--out', scene]);
  const { stdout } = await hsi(['detect', scene, '--model', 'rx', '--tuning', table, '--out', path.join(dir, 'rx')]);
  assert.match(stdout, /tiny rx: AUC\(D,F\)/);
  const foreign = path.join(dir, 'foreign.json');
  writeFileSync(foreign, JSON.stringify({ ...JSON.parse(readFileSync(table, 'utf8')), adapter: 'NVIDIA | hopper | H100 | -' }));
  let r = await hsiFails(['detect', scene, '--model', 'rx', '--tuning', foreign]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /tuning: adapter: expected a table measured on '.*', got one from 'NVIDIA \| hopper \| H100 \| -' \(run hsi tune on this machine\)/);
  r = await hsiFails(['detect', scene, '--model', 'rx', '--tuning', path.join(dir, 'none.json')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--tuning: expected a file written by hsi tune, got .*none\.json/);
});

test('the loaded table is used: a forced choice builds its pipeline (DEBUG=1) and gives the same scores', async () => {
  const scene = path.join(dir, 'tiny.mat');
  // RX on 24×20×12: the covariance products are 12×12·(32 pixels), the scoring 12×12·(480 pixels).
  const forced = path.join(dir, 'forced.json');
  const saved = JSON.parse(readFileSync(table, 'utf8'));
  for (const key of [matmulKey(12, 12, 32), matmulKey(12, 480, 12)]) saved.entries[key] = { choice: 'tiled/128', ms: {} };
  writeFileSync(forced, JSON.stringify(saved));
  const run = (out: string, extra: string[]) => exec('node', [cli, 'detect', scene, '--model', 'rx', '--out', path.join(dir, out), ...extra], { env: { ...process.env, DEBUG: '1' } });
  const plain = await run('rx-plain', []);
  const tuned = await run('rx-forced', ['--tuning', forced]);
  const tiled128 = /pipeline matmul\.wgsl:matmul_forward_tiled\w*\[WG=128\] created/;
  assert.match(tuned.stderr, tiled128, 'the forced choice built its pipeline');
  assert.not.match(plain.stderr, tiled128, 'without the table the default is used');
  const scores = (out: string) => readFileSync(path.join(dir, out, 'scores.npy'));
  assert.ok(Buffer.compare(scores('rx-plain'), scores('rx-forced')) === 0, 'every choice gives the same bits');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

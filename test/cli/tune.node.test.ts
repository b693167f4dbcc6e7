// Node only: `hsi tune` writes a table for this adapter, and `hsi detect --tuning` uses or refuses it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';

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

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

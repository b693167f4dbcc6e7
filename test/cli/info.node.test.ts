// Node only: runs the built `hsi` command as a user would.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';

const test = suite('cli/info');

test('hsi info --json describes adapter, backend, limits, features and versions', async () => {
  const { stdout } = await hsi(['info', '--json']);
  const d = JSON.parse(stdout);
  assert.is(d.package.name, 'hsi-gpu');
  assert.is(d.platform, 'node');
  assert.match(d.backend, /Dawn/);
  assert.ok(d.limits.maxStorageBufferBindingSize > 0);
  assert.ok(Array.isArray(d.features));
  assert.ok(d.versions.node && d.versions.webgpu);
  assert.ok('vendor' in d.adapter && 'architecture' in d.adapter && 'description' in d.adapter);
});

test('hsi info prints a readable summary', async () => {
  const { stdout } = await hsi(['info']);
  assert.match(stdout, /^hsi-gpu \d+\.\d+\.\d+ on node, backend Dawn/);
  assert.match(stdout, /limits:   maxBufferSize \d+ MiB/);
});

test('hsi selfcheck passes against the float64 reference', async () => {
  const { stdout } = await hsi(['selfcheck']);
  assert.match(stdout, /self-check: PASS/);
});

test('an unknown command exits 2 with usage', async () => {
  const err = await hsiFails(['frobnicate']);
  assert.is(err.code, 2);
  assert.match(err.stderr, /command: expected one of info, selfcheck, inspect, synth, detect, cluster, demo, tune, help, got 'frobnicate'\n/);
});

test.run();

// Node only: runs the built `hsi` command as a user would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const cli = 'dist/node/cli.js';
const test = suite('cli/info');

test('hsi info --json describes adapter, backend, limits, features and versions', async () => {
  const { stdout } = await run('node', [cli, 'info', '--json']);
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
  const { stdout } = await run('node', [cli, 'info']);
  assert.match(stdout, /^hsi-gpu \d+\.\d+\.\d+ on node, backend Dawn/);
  assert.match(stdout, /limits:   maxBufferSize \d+ MiB/);
});

test('hsi selfcheck passes against the float64 reference', async () => {
  const { stdout } = await run('node', [cli, 'selfcheck']);
  assert.match(stdout, /self-check: PASS/);
});

test('an unknown command exits 2 with usage', async () => {
  try {
    await run('node', [cli, 'frobnicate']);
    assert.unreachable('expected a non-zero exit');
  } catch (e) {
    const err = e as { code: number; stderr: string };
    assert.is(err.code, 2);
    assert.match(err.stderr, /command: expected one of info, selfcheck, inspect, synth, detect, demo, help, got frobnicate/);
  }
});

test.run();

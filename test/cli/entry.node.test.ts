// Node only: the `hsi` entry point: --version, help <command>, "did you mean", one-line library
// errors, and Dawn's two adapter warnings filtered from GPU commands (shown with DEBUG).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, hsi, hsiFails } from '../harness/cli.ts';
import { closest, editDistance } from '../../src/cli/suggest.ts';
import { lineFilter } from '../../src/cli/quiet.ts';

const test = suite('cli/entry');
const pkg = JSON.parse((await import('node:fs')).readFileSync('package.json', 'utf8')) as { version: string };

test('hsi --version and -V print the package version', async () => {
  for (const flag of ['--version', '-V']) assert.is((await hsi([flag])).stdout, `hsi ${pkg.version}\n`);
});

test('hsi help detect prints what hsi detect --help prints', async () => {
  const a = await hsi(['help', 'detect']);
  const b = await hsi(['detect', '--help']);
  assert.is(a.stdout, b.stdout);
  assert.match(a.stdout, /^usage: hsi detect <file>/);
  const r = await hsiFails(['help', 'detcet']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /got 'detcet'; did you mean 'hsi detect'\?/);
});

test('a mistyped command or flag gets the nearest one, in balanced quotes; exit 2', async () => {
  const cmd = await hsiFails(['clustr', 'x.mat']);
  assert.is(cmd.code, 2);
  assert.match(cmd.stderr, /^hsi: command: expected one of info, .*, help, got 'clustr'; did you mean 'hsi cluster'\?/);
  const flag = await hsiFails(['detect', 'x.mat', '--epoch', '3']);
  assert.is(flag.code, 2);
  assert.match(flag.stderr, /^hsi detect: --epoch: not an option of this command; did you mean '--epochs'\?/);
  const far = await hsiFails(['inspect', 'x.mat', '--jsno']);
  assert.match(far.stderr, /^hsi inspect: --jsno: not an option of this command; did you mean '--json'\?/);
  const none = await hsiFails(['detect', 'x.mat', '--zzzzzzzz']);
  assert.match(none.stderr, /^hsi detect: --zzzzzzzz: not an option of this command\n/);
  const unknown = await hsiFails(['frobnicate']);
  assert.match(unknown.stderr, /got 'frobnicate'\n/);
});

test('closest: edit distance with a typo-sized limit', () => {
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(closest('--seeed', ['--seed', '--steps']), '--seed');
  assert.is(closest('--out', ['--outer', '--out']), '--out');
  assert.is(closest('tnue', ['tune', 'info']), 'tune');
  assert.is(closest('xyzzy', ['tune', 'info']), undefined);
});

test('library errors print as one line without a stack (HsiError subclasses: DataError here)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-entry-'));
  const bad = path.join(dir, 'bad.tif');
  writeFileSync(bad, 'not a tiff at all');
  const r = await hsiFails(['detect', bad, '--model', 'rx', '--out', path.join(dir, 'o')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^hsi: bad\.tif: tiff magic: expected/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack');
});

test("Dawn's two adapter warnings are filtered from GPU commands, and shown with DEBUG=1", async () => {
  const exec = promisify(execFile);
  const quiet = await exec('node', [cli, 'info', '--json']);
  assert.not.match(quiet.stderr, /artificially reduced/);
  const adapter = JSON.parse(quiet.stdout).adapter as { vendor: string };
  const loud = await exec('node', [cli, 'info', '--json'], { env: { ...process.env, DEBUG: '1' } });
  // Dawn prints them on adapters whose limits it reduces, lavapipe's (Mesa) among them.
  if (adapter.vendor === 'mesa') assert.match(loud.stderr, /maxDynamicUniformBuffersPerPipelineLayout artificially reduced/);
  else assert.not.match(loud.stderr, /Error/);
});

test('the filtered child draws the progress bar when the real stderr is a terminal', async () => {
  const exec = promisify(execFile);
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-entry-'));
  const scene = path.join(dir, 's.mat');
  await hsi(['synth', '--rows', '16', '--cols', '16', '--bands', '8', '--out', scene]);
  const args = [cli, 'detect', scene, '--epochs', '2', '--out', path.join(dir, 'o')];
  // What runFiltered passes when its stderr is a terminal of 80 columns: the child draws the bar (cursor moves, no newlines per step).
  const bar = await exec('node', args, { env: { ...process.env, HSI_STDERR_FILTERED: '80' } });
  assert.match(bar.stderr, /\x1b\[1Gstep 1\/2 \[/);
  const plain = await exec('node', args, { env: { ...process.env, HSI_STDERR_FILTERED: 'pipe' } });
  assert.not.match(plain.stderr, /\x1b\[/);
  assert.match(plain.stderr, /^step 1\/2 loss /m);
});

test('the filtered child stops when hsi itself is killed (SIGKILL): no run goes on behind the user', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-entry-'));
  const scene = path.join(dir, 's.mat');
  await hsi(['synth', '--rows', '24', '--cols', '24', '--bands', '8', '--out', scene]);
  const out = path.join(dir, 'killed');
  const parent = spawn('node', [cli, 'detect', scene, '--epochs', '100000', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Training has started in the child once a step is reported.
  await new Promise<void>((resolve) => parent.stderr.on('data', (b: Buffer) => /step \d+/.test(String(b)) && resolve()));
  // pgrep exits 1 (throws) when nothing matches.
  const children = (): string[] => {
    try {
      return execFileSync('pgrep', ['-f', '--', `--out ${out}`], { encoding: 'utf8' }).split('\n').filter((p) => p && Number(p) !== parent.pid);
    } catch {
      return [];
    }
  };
  assert.is(children().length, 1, 'one filtered child runs the command');
  parent.kill('SIGKILL');
  const t0 = Date.now();
  let left = children();
  while (left.length && Date.now() - t0 < 10_000) {
    await new Promise((r) => setTimeout(r, 200));
    left = children();
  }
  assert.is(left.length, 0, 'the child quit within 10 s of its parent');
  assert.not.ok(existsSync(path.join(out, 'summary.json')), 'and wrote no run');
});

test('lineFilter drops exactly the Dawn lines, passes other text (partial lines included) through', () => {
  let out = '';
  const f = lineFilter((s) => (out += s));
  f.push('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\nWarn');
  f.push('ing: something else\n');
  f.push('step 1/3 loss 0.5\r');
  assert.is(out, 'Warning: something else\nstep 1/3 loss 0.5\r', 'a progress bar without a newline is not held back');
  f.push('Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 8 to 4 to fit dynamic offset allocation limit.\n');
  f.push('Warning: maxDynamic');
  f.end();
  assert.is(out, 'Warning: something else\nstep 1/3 loss 0.5\rWarning: maxDynamic');
});

test.run();

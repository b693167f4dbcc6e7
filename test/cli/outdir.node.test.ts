// Node only: `--out` is checked before any work, and a run folder always holds exactly one whole run
// (replaced whole on reuse; untouched by a run killed, failing or racing while it writes).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, hsi, hsiFails } from '../harness/cli.ts';
import { openRun, withRun } from '../../src/cli/runfolder.ts';

const test = suite('cli/outdir');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-out-'));
const scene = path.join(dir, 'tiny.mat');
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
const summaryOf = (out: string) => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));

/** The folder is one run: its entries are exactly the summary's files, and the hashes match. */
function assertOneRun(out: string): Record<string, any> {
  const s = summaryOf(out);
  assert.equal(readdirSync(out).sort(), Object.values(s.files as Record<string, string>).sort(), `${out}: entries are the summary's files`);
  for (const [f, h] of Object.entries(s.sha256 as Record<string, string>)) assert.is(sha(path.join(out, f)), h, `${f} hash`);
  assert.ok(s.sha256['scores.npy'], 'scores hash recorded');
  return s;
}

/** Hidden temporary folders a run leaves beside its --out. */
const leftovers = (parent: string): string[] => readdirSync(parent).filter((f) => /\.(partial|old)-/.test(f));

test.before(async () => {
  await hsi(['synth', '--rows', '24', '--cols', '20', '--bands', '12', '--anomalies', '4', '--seed', '5', '--out', scene]);
});

test('--out that cannot be a folder: usage errors before any data is read, nothing left behind', async () => {
  // /proc/x: mkdir -p loops forever there; the check must answer at once.
  let r = await hsiFails(['detect', scene, '--model', 'rx', '--out', '/proc/hsi-x']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: cannot write in \/proc \(E[A-Z]+\); pick a folder you can write to/);
  const file = path.join(dir, 'afile');
  writeFileSync(file, 'x');
  r = await hsiFails(['detect', scene, '--epochs', '100000', '--out', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: expected a folder, got the existing file .*afile/);
  assert.not.match(r.stderr, /step \d+\/\d+|\n\s+at \S+ \(/, 'refused before training, no stack');
  const foreign = path.join(dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(path.join(foreign, 'thesis.tex'), 'x');
  r = await hsiFails(['detect', scene, '--model', 'rx', '--out', foreign]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: expected a new folder or one an earlier hsi run wrote .*holding other files \(thesis\.tex\)/);
  assert.equal(readdirSync(foreign), ['thesis.tex']);
  symlinkSync(foreign, path.join(dir, 'link'));
  r = await hsiFails(['detect', scene, '--model', 'rx', '--out', path.join(dir, 'link')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: expected a folder, got the symbolic link .*link; pass the folder it points to/);
  assert.equal(leftovers(dir), []);
});

test('hsi synth: --out a folder or an unknown extension is a usage error and leaves no partial file; .npy writes npy', async () => {
  const folder = path.join(dir, 'synthdir');
  mkdirSync(folder);
  let r = await hsiFails(['synth', '--out', folder]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: expected a file name ending \.mat or \.npy, got the folder/);
  r = await hsiFails(['synth', '--out', path.join(dir, 'x.txt')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--out: expected a file name ending \.mat or \.npy .*got .*x\.txt/);
  r = await hsiFails(['synth', '--out', '/proc/hsi-x/s.mat']);
  assert.is(r.code, 2);
  assert.equal(readdirSync(folder), []);
  assert.equal(readdirSync(dir).filter((f) => f.includes('partial')), []);
  const npy = path.join(dir, 's.npy');
  const { stdout } = await hsi(['synth', '--rows', '16', '--cols', '16', '--bands', '8', '--out', npy]);
  assert.match(stdout, /wrote .*s\.npy and .*s_gt\.npy: 16×16×8/);
  assert.equal([...readFileSync(npy).subarray(1, 6)].map((c) => String.fromCharCode(c)).join(''), 'NUMPY');
  assert.match(readFileSync(npy).toString('latin1', 0, 128), /'shape': \(16, 16, 8\)/);
  assert.match(readFileSync(path.join(dir, 's_gt.npy')).toString('latin1', 0, 128), /'descr': '<i4'.*'shape': \(16, 16\)/);
});

test('reusing --out replaces the whole folder: no roc.csv from an earlier run, hashes and provenance recorded', async () => {
  const out = path.join(dir, 'reuse');
  await hsi(['detect', scene, '--model', 'rx', '--out', out]);
  assert.ok(existsSync(path.join(out, 'roc.csv')));
  await hsi(['detect', scene, '--model', 'lrx', '--map', 'none', '--out', out]);
  const s = assertOneRun(out);
  assert.is(s.model, 'lrx');
  assert.not.ok(existsSync(path.join(out, 'roc.csv')), 'the earlier run\'s roc.csv is gone');
  const p = s.provenance;
  assert.match(p.hsiGpu, /^\d+\.\d+\.\d+/);
  assert.match(p.command, /^hsi detect .*tiny\.mat --model lrx --map none --out /);
  assert.ok(Math.abs(Date.parse(p.timestamp) - Date.now()) < 120e3, p.timestamp);
  assert.equal(p.inputs, [{ file: scene, bytes: readFileSync(scene).length, sha256: sha(scene) }]);
  assert.equal(p.variables, { data: 'data', map: null });
  assert.equal(leftovers(dir), []);
});

test('SIGKILL while a run writes leaves the earlier run whole', async () => {
  const out = path.join(dir, 'killed');
  await hsi(['detect', scene, '--model', 'rx', '--out', out]);
  const before = summaryOf(out);
  const parent = path.dirname(out);
  // Kill as soon as the run's temporary folder has a file in it: mid-write. The run stays in this
  // process (as the filtered child it would be, src/cli/quiet.ts), so the kill reaches the writer
  // itself: killing the parent of a filtered child leaves the child a moment to finish its write
  // (test/cli/entry.node.test.ts covers that case), which made this test flaky.
  const env = { ...process.env, HSI_STDERR_FILTERED: 'pipe' };
  const child = spawn('node', [cli, 'detect', scene, '--model', 'lrx', '--out', out], { stdio: 'ignore', env });
  let killedMidWrite = false;
  const poll = setInterval(() => {
    for (const f of leftovers(parent)) {
      if (f.startsWith('.killed.partial-') && readdirSync(path.join(parent, f)).length > 0 && !child.killed) {
        child.kill('SIGKILL');
        killedMidWrite = true;
      }
    }
  }, 1);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(poll);
  assert.ok(killedMidWrite, 'the child was killed while writing');
  const after = assertOneRun(out);
  assert.equal(after, before, 'the earlier run is untouched');
  // The next run on this --out removes the killed run's temporary folder.
  assert.ok(leftovers(parent).some((f) => f.startsWith('.killed.partial-')));
  await hsi(['detect', scene, '--model', 'lrx', '--out', out]);
  assert.is(assertOneRun(out).model, 'lrx');
  assert.equal(leftovers(parent), []);
});

test('an exception while writing leaves the earlier run whole and no temporary folder', async () => {
  const out = path.join(dir, 'throws');
  await hsi(['detect', scene, '--model', 'rx', '--out', out]);
  const before = summaryOf(out);
  const run = await openRun(out);
  let threw = false;
  try {
    await withRun(run, async (tmp) => {
      writeFileSync(path.join(tmp, 'scores.npy'), 'half a run');
      throw new Error('disk full');
    });
  } catch (e) {
    threw = (e as Error).message === 'disk full';
  }
  assert.ok(threw);
  assert.equal(assertOneRun(out), before);
  assert.equal(leftovers(dir), []);
});

test('two processes writing one --out at once: the folder is one of the runs, whole', async () => {
  const out = path.join(dir, 'race');
  await Promise.all([
    hsi(['detect', scene, '--model', 'rx', '--out', out]),
    hsi(['detect', scene, '--model', 'lrx', '--out', out]),
  ]);
  const s = assertOneRun(out);
  assert.ok(['rx', 'lrx'].includes(s.model));
  assert.equal(leftovers(dir), []);
});

test('hsi cluster: --out checked first, folder written whole with hashes and provenance', async () => {
  const r = await hsiFails(['cluster', scene, '--model', 'kmeans', '--k', '3', '--out', path.join(dir, 'afile')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /hsi cluster: --out: expected a folder, got the existing file/);
  const out = path.join(dir, 'clusters');
  await hsi(['cluster', scene, '--model', 'kmeans', '--k', '3', '--out', out]);
  await hsi(['cluster', scene, '--model', 'kmeans', '--k', '2', '--out', out]);
  const s = summaryOf(out);
  assert.equal(readdirSync(out).sort(), Object.values(s.files as Record<string, string>).sort());
  for (const [f, h] of Object.entries(s.sha256 as Record<string, string>)) assert.is(sha(path.join(out, f)), h, f);
  assert.match(s.provenance.command, /^hsi cluster .* --k 2 --out /);
  assert.equal(leftovers(dir), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Linear } from '../../src/nn/module.ts';
import { loadSafetensorsFile, saveSafetensors, saveSafetensorsFile, SafetensorsError } from '../../src/nn/safetensors.ts';
import { rejects, testGpu } from '../harness/gpu.ts';

const test = suite('nn/safetensors (Node files)');

test('saveSafetensorsFile writes the bytes of saveSafetensors; loadSafetensorsFile reads them back', async () => {
  const gpu = await testGpu();
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-safetensors-'));
  try {
    const a = new Linear(gpu, 5, 3, { seed: 1 });
    const b = new Linear(gpu, 5, 3, { seed: 2 });
    const file = path.join(dir, 'linear.safetensors');
    await saveSafetensorsFile(a, file, { metadata: { note: 'test' } });
    assert.equal(Array.from(readFileSync(file)), Array.from(await saveSafetensors(a, { metadata: { note: 'test' } })));
    const r = await loadSafetensorsFile(b, file);
    assert.equal(r.metadata, { note: 'test' });
    assert.equal(Array.from(await b.weight.data()), Array.from(await a.weight.data()));
    assert.equal(Array.from(await b.bias!.data()), Array.from(await a.bias!.data()));
    await rejects(loadSafetensorsFile(b, path.join(dir, 'missing.safetensors')), Error, /ENOENT/);
    const small = new Linear(gpu, 3, 3, { seed: 3 });
    await rejects(loadSafetensorsFile(small, file), SafetensorsError, /loadSafetensors: parameter weight: expected shape \[3, 3\], got \[3, 5\]/);
    for (const m of [a, b, small]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

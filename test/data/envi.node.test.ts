import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { readEnviFile } from '../../src/data/envi.node.ts';
import { assertClose, rejects } from '../harness/gpu.ts';

const test = suite('data/envi.node');

test('readEnviFile finds the raw file beside the header and reads it through a handle', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hsi-envi-'));
  try {
    // 2 rows × 3 cols × 2 bands of big-endian int16 in bil order, after a 4-byte offset.
    const want = [1, 2, 3, 4, 5, 6, -7, -8, -9, -10, -11, -12]; // band-sequential
    const raw = new DataView(new ArrayBuffer(4 + 24));
    const bil = [1, 2, 3, -7, -8, -9, 4, 5, 6, -10, -11, -12];
    bil.forEach((v, i) => raw.setInt16(4 + 2 * i, v, false));
    await writeFile(path.join(dir, 'scene.img'), new Uint8Array(raw.buffer));
    await writeFile(path.join(dir, 'scene.hdr'), 'ENVI\r\nsamples = 3\r\nlines = 2\r\nbands = 2\r\nheader offset = 4\r\ndata type = 2\r\ninterleave = bil\r\nbyte order = 1\r\nwavelength = {450, 550}\r\n');
    const cube = await readEnviFile(path.join(dir, 'scene.hdr'), undefined, { chunkBytes: 6 });
    assert.equal([cube.rows, cube.cols, cube.bands, cube.name], [2, 3, 2, 'scene.img']);
    assert.equal(cube.wavelengths, [450, 550]);
    assertClose('envi file', cube.data, want, { atol: 0, rtol: 0 });
    await writeFile(path.join(dir, 'short.hdr'), 'ENVI\nsamples = 3\nlines = 2\nbands = 2\ndata type = 2\n');
    await writeFile(path.join(dir, 'short'), new Uint8Array(10));
    await rejects(readEnviFile(path.join(dir, 'short.hdr')), DataError, /^short: raw file: expected 24 bytes .* got 10; the file is truncated/);
    await writeFile(path.join(dir, 'alone.hdr'), 'ENVI\nsamples = 3\nlines = 2\nbands = 2\ndata type = 2\n');
    await rejects(readEnviFile(path.join(dir, 'alone.hdr')), DataError, /alone\.hdr: raw file: expected one of alone, alone\.img.*found none; pass the raw file path/);
    await rejects(readEnviFile(path.join(dir, 'missing.hdr')), DataError, /missing\.hdr: header: cannot read it/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

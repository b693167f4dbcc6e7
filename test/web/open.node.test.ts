// Node only: opening scenes in the browser app (src/web/scenefiles.ts) as a user would: an ENVI
// header with its raw file, a .mat file with two cubes (the user picks one, as --data does in
// the CLI), and a click on the picture that plots the pixel's spectrum.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCube } from '../../src/data/cube.ts';
import { cubeVariable, mapVariable, writeMat } from '../../src/data/matwrite.ts';
import { id, shot, startApp, type AppPage, type AppSession } from './apphost.ts';

const test = suite('web/open');
let session: AppSession;
let app: AppPage;

test.before(async () => {
  session = await startApp('web/open');
  app = session.app;
});

test.after(() => session?.close());

const info = async (): Promise<string> => (await app.page.textContent(id('scene-info'))) ?? '';

test('ENVI: the .hdr and its raw file open together, with the header wavelengths', async () => {
  const [rows, cols, bands] = [10, 12, 5];
  const raw = Float32Array.from({ length: rows * cols * bands }, (_, i) => i / 4);
  const hdr = `ENVI\nsamples = ${cols}\nlines = ${rows}\nbands = ${bands}\nheader offset = 0\ndata type = 4\ninterleave = bsq\nbyte order = 0\nwavelength = {450, 500, 550, 600, 650}\n`;
  await app.page.setInputFiles(id('file-input'), [
    { name: 'tiny.hdr', mimeType: 'text/plain', buffer: Buffer.from(hdr) },
    { name: 'tiny.img', mimeType: 'application/octet-stream', buffer: Buffer.from(raw.buffer) },
  ]);
  await app.page.waitForSelector(id('scene-picture'));
  const text = await info();
  assert.match(text, `${rows} × ${cols} pixels, ${bands} bands`);
  assert.match(text, `0 … ${(raw.length - 1) / 4}`);
  assert.match(text, '450 … 650');
  // Red, green, blue default to the bands nearest 640, 550 and 460 nm (data/png.ts).
  assert.equal(await Promise.all(['red', 'green', 'blue'].map((c) => app.page.inputValue(id(`band-${c}`)))), ['4', '2', '0']);
});

test('an ENVI header without its raw file says which names it looked for', async () => {
  await app.page.setInputFiles(id('file-input'), [{ name: 'lonely.hdr', mimeType: 'text/plain', buffer: Buffer.from('ENVI\nsamples = 2\nlines = 2\nbands = 1\ndata type = 4\n') }]);
  await app.page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.match(await app.page.textContent(id('error')) ?? '', /^lonely\.hdr: raw file: expected one of lonely, lonely\.img/);
});

test('a .mat file with two cubes: the error lists them and the user picks one', async () => {
  const a = makeCube('a', 6, 7, 4, Float32Array.from({ length: 168 }, (_, i) => i));
  const b = makeCube('b', 6, 7, 9, Float32Array.from({ length: 378 }, (_, i) => -i));
  const map = { rows: 6, cols: 7, data: Int32Array.from({ length: 42 }, (_, i) => (i === 20 ? 1 : 0)) };
  const mat = writeMat([cubeVariable('first', a), cubeVariable('second', b), mapVariable('gt', map)]);
  await app.page.setInputFiles(id('file-input'), { name: 'two.mat', mimeType: 'application/octet-stream', buffer: Buffer.from(mat) });
  await app.page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.match(await app.page.textContent(id('error')) ?? '', /^two\.mat: expected one 3-D numeric variable, got 2/);
  await shot(app.page, '8-pick-variable');
  await app.page.selectOption(id('pick-data'), 'second');
  await app.page.selectOption(id('pick-map'), 'gt');
  await app.page.click(id('pick-open'));
  await app.page.waitForSelector(id('scene-picture'));
  assert.ok(await app.page.isHidden(id('error')), 'the error is gone');
  const text = await info();
  assert.match(text, '6 × 7 pixels, 9 bands');
  assert.match(text, '1 labelled pixels, 1 class');
});

test('a click on the picture plots that pixel\'s spectrum', async () => {
  const img = app.page.locator(id('scene-picture'));
  const box = (await img.boundingBox())!;
  // The middle of row 2, column 3 of the 6 × 7 scene opened above.
  await img.click({ position: { x: (3.5 / 7) * box.width, y: (2.5 / 6) * box.height } });
  await app.page.waitForSelector(`${id('spectrum')} canvas`);
  assert.match(await app.page.textContent(id('spectrum')) ?? '', 'Spectrum at row 2, column 3');
  await shot(app.page, '9-spectrum');
});

test.run();

import { PNG } from 'pngjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCube } from '../../src/data/cube.ts';
import { clusterMapPng, falseColourPng, scoreMapPng } from '../../src/data/png.ts';
import { uniform } from '../harness/gpu.ts';
import { decodePngRef } from '../ref/png.ts';

const test = suite('data/png.node');

/** pngjs (Node zlib, its own chunk parser) as a second, fully independent decoder. */
function pngjsRgb(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const img = PNG.sync.read(Buffer.from(png));
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) {
    rgb.set(img.data.subarray(i * 4, i * 4 + 3), i * 3);
    assert.is(img.data[i * 4 + 3], 255, 'opaque');
  }
  return { width: img.width, height: img.height, rgb };
}

test('pngjs decodes every picture to the same pixels as the reference decoder', () => {
  const [rows, cols] = [37, 29];
  const scores = uniform(rows * cols, 1, 0, 1);
  const gt = { rows, cols, data: Int32Array.from(scores, (s) => (s > 0.97 ? 1 : 0)) };
  const pictures = [
    scoreMapPng(scores, rows, cols, { gt, colormap: 'inferno' }),
    clusterMapPng(Int32Array.from(scores, (s) => Math.floor(s * 30)), rows, cols, { unlabelled: 0 }),
    falseColourPng(makeCube('t', rows, cols, 7, uniform(rows * cols * 7, 2))),
  ];
  for (const png of pictures) {
    const a = pngjsRgb(png);
    const b = decodePngRef(png);
    assert.equal([a.width, a.height], [cols, rows]);
    assert.equal(a.rgb, b.rgb);
  }
});

test.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import { assertClose, testGpu, uniform } from '../harness/gpu.ts';
import { bits, parity } from '../harness/parity.ts';
import { rowDot, rowDotTolerance } from '../ref/selfcheck.ts';

const test = suite('gpu/parity');

test('the same kernel gives bit-identical results in Node and Chromium', async () => {
  const gpu = await testGpu();
  const [rows, cols] = [3001, 29];
  const x = uniform(rows * cols, 2026);
  const w = uniform(cols, 11);
  const k = gpu.kernel({ file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' });
  const [bx, bw, by] = [gpu.buffer(x.byteLength), gpu.buffer(w.byteLength), gpu.buffer(rows * 4)];
  gpu.write(bx, x);
  gpu.write(bw, w);
  k.dispatch({ x: bx, w: bw, y: by }, { rows, cols, bias: 0.125 }, k.grid1d(rows));
  const y = new Float32Array(await gpu.read(by));
  [bx, bw, by].forEach((b) => gpu.release(b));
  assertClose('selfcheck_forward', y, rowDot(x, w, rows, cols, 0.125), rowDotTolerance(cols));

  const channel = parity();
  channel.record('selfcheck_forward', y);
  if (channel.env === 'browser') {
    const node = channel.expected('selfcheck_forward');
    assert.ok(node, 'Node\'s result was handed to the browser run');
    const mine = bits(y);
    const first = mine.findIndex((b, i) => b !== node![i]);
    assert.is(first, -1, `first differing element ${first}: browser ${y[first]} vs Node bits ${node![first]}`);
  }
});

test.run();

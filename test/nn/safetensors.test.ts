import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, OptionError, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { Linear, Module, persistent } from '../../src/nn/module.ts';
import { loadSafetensors, loadSafetensorsFile, SafetensorsError, saveSafetensors, saveSafetensorsFile } from '../../src/nn/safetensors.ts';
import { rejects, testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('nn/safetensors');

/** A file built by hand: 8-byte LE length, the JSON text padded with spaces to 8 bytes, the data. */
function buildFile(json: string, data: ArrayLike<number> = [], pad = true): Uint8Array {
  const text = new TextEncoder().encode(json);
  const n = pad ? Math.ceil(text.length / 8) * 8 : text.length;
  const out = new Uint8Array(8 + n + data.length);
  out[0] = n & 0xff;
  out[1] = (n >> 8) & 0xff;
  out.fill(0x20, 8, 8 + n);
  out.set(text, 8);
  out.set(data, 8 + n);
  return out;
}

/** Little-endian bytes of values written with a DataView setter. */
function le(kind: 'f32' | 'i32' | 'u32' | 'f64' | 'u16', values: number[]): number[] {
  const size = kind === 'f64' ? 8 : kind === 'u16' ? 2 : 4;
  const v = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((x, i) => {
    if (kind === 'f32') v.setFloat32(4 * i, x, true);
    else if (kind === 'i32') v.setInt32(4 * i, x, true);
    else if (kind === 'u32') v.setUint32(4 * i, x, true);
    else if (kind === 'f64') v.setFloat64(8 * i, x, true);
    else v.setUint16(2 * i, x, true);
  });
  return Array.from(new Uint8Array(v.buffer));
}

class Small extends Module {
  fc: Linear;
  count: Tensor;
  constructor(gpu: Gpu, seed: number) {
    super();
    this.fc = new Linear(gpu, 3, 4, { seed });
    this.count = persistent(tensor(gpu, new Int32Array([seed, -seed])));
  }
}

test('the reference implementation\'s own vectors: one F32 tensor, an empty file, metadata only', async () => {
  const gpu = await testGpu();
  const attn = tensor(gpu, [0, 1, 2, 3, 4, 5], [1, 1, 2, 3]);
  const bytes = await saveSafetensors({ attn0: attn });
  const want = buildFile('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}', le('f32', [0, 1, 2, 3, 4, 5]));
  assert.is(want[0], 72); // 65 characters of JSON padded with 7 spaces
  assert.equal(Array.from(bytes), Array.from(want));
  assert.equal(Array.from(await saveSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  const meta = await saveSafetensors({}, { metadata: { framework: 'pt' } });
  assert.equal(Array.from(meta), Array.from(buildFile('{"__metadata__":{"framework":"pt"}}')));
  assert.is(meta[0], 40);
  attn.dispose();
});

test('byte-exact file: F32 before U32 before I32, names in byte order ("0" first), offsets, sorted metadata', async () => {
  const gpu = await testGpu();
  const record: Record<string, Tensor> = {
    w: tensor(gpu, [0.25, -1, 2, 3e-5], [2, 2]),
    n: tensor(gpu, new Int32Array([1, -2, 2147483647]), [3]),
    b: tensor(gpu, [0.5], [1]),
    u: tensor(gpu, new Uint32Array([7, 4294967295]), [2]),
    0: tensor(gpu, [-7.5], []),
  };
  const json = '{"__metadata__":{"epoch":"3","format":"pt"},' +
    '"0":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
    '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
    '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},' +
    '"u":{"dtype":"U32","shape":[2],"data_offsets":[24,32]},' +
    '"n":{"dtype":"I32","shape":[3],"data_offsets":[32,44]}}';
  const data = [...le('f32', [-7.5, 0.5, 0.25, -1, 2, 3e-5]), ...le('u32', [7, 4294967295]), ...le('i32', [1, -2, 2147483647])];
  const want = buildFile(json, data);
  const got = await saveSafetensors(record, { metadata: { format: 'pt', epoch: '3' } });
  assert.equal(Array.from(got), Array.from(want));
  // Loading the hand-built file into fresh tensors gives the values back, whatever the dtype.
  const fresh: Record<string, Tensor> = Object.fromEntries(Object.entries(record).map(([k, t]) => [k, tensor(gpu, new (t.dtype === 'i32' ? Int32Array : t.dtype === 'u32' ? Uint32Array : Float32Array)(t.size), t.shape, t.dtype)]));
  const r = loadSafetensors(fresh, want.buffer as ArrayBuffer);
  assert.equal(r.metadata, { epoch: '3', format: 'pt' });
  assert.equal(r.missing, []);
  for (const [k, t] of Object.entries(record)) assert.equal(Array.from(await fresh[k].data()), Array.from(await t.data()), k);
  for (const t of [...Object.values(record), ...Object.values(fresh)]) t.dispose();
});

test('round trip of a module: parameters and persistent buffers, in place (identity kept)', async () => {
  const gpu = await testGpu();
  const a = new Small(gpu, 1);
  const b = new Small(gpu, 2);
  const bytes = await saveSafetensors(a);
  assert.equal(Array.from(bytes), Array.from(await saveSafetensors(Object.fromEntries(a.stateDict()))));
  const weight = b.fc.weight;
  const r = loadSafetensors(b, bytes);
  assert.equal(r.loaded.sort(), ['count', 'fc.bias', 'fc.weight']);
  assert.is(b.fc.weight, weight);
  for (const [[na, ta], [nb, tb]] of a.stateDict().map((e, i) => [e, b.stateDict()[i]] as const)) {
    assert.is(na, nb);
    assert.equal(Array.from(await tb.data()), Array.from(await ta.data()), na);
  }
  // A Uint8Array view inside a larger buffer works as well as an ArrayBuffer: load c's state
  // into a fresh module from a view at offset 3 and find c's values, not a's or b's.
  const c = new Small(gpu, 3);
  const cBytes = await saveSafetensors(c);
  const view = new Uint8Array(cBytes.length + 5).fill(0xff);
  view.set(cBytes, 3);
  const fromView = loadSafetensors(b, view.subarray(3, 3 + cBytes.length));
  assert.equal(fromView.loaded.sort(), ['count', 'fc.bias', 'fc.weight']);
  for (const [[na, ta], [, tb]] of c.stateDict().map((e, i) => [e, b.stateDict()[i]] as const)) {
    assert.equal(Array.from(await tb.data()), Array.from(await ta.data()), `${na} from a view`);
  }
  assert.not.equal(Array.from(await b.fc.weight.data()), Array.from(await a.fc.weight.data()), 'seeds 1 and 3 differ');
  a.dispose();
  b.dispose();
  c.dispose();
});

test('names, shapes and dtypes that do not fit are refused before anything is written', async () => {
  const gpu = await testGpu();
  const m = new Small(gpu, 3);
  const before = Array.from(await m.fc.bias!.data());
  const f32 = (n: number) => le('f32', Array.from({ length: n }, (_, i) => i + 0.5));
  // fc.bias fits, fc.weight is transposed: nothing may be written.
  const swapped = buildFile('{"count":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"fc.bias":{"dtype":"F32","shape":[4],"data_offsets":[8,24]},"fc.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[24,72]}}', [...le('i32', [1, 2]), ...f32(4), ...f32(12)]);
  throwsLike(() => loadSafetensors(m, swapped), SafetensorsError, /^loadSafetensors: parameter fc\.weight: expected shape \[4, 3\], got \[3, 4\]$/);
  assert.equal(Array.from(await m.fc.bias!.data()), before);
  const partial = buildFile('{"fc.bias":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"head.weight":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}', f32(5));
  throwsLike(() => loadSafetensors(m, partial), SafetensorsError, /loadSafetensors: names: expected the module's tensors exactly \(or pass \{ strict: false \}\), got missing count, fc\.weight; unexpected head\.weight/);
  const r = loadSafetensors(m, partial, { strict: false });
  assert.equal(r, { loaded: ['fc.bias'], missing: ['count', 'fc.weight'], unexpected: ['head.weight'], metadata: null });
  assert.equal(Array.from(await m.fc.bias!.data()), [0.5, 1.5, 2.5, 3.5]);
  const asFloat = buildFile('{"count":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32(2));
  throwsLike(() => loadSafetensors(m, asFloat, { strict: false }), SafetensorsError, /loadSafetensors: tensor count: dtype: expected I32 for a i32 tensor, got F32/);
  const i64 = buildFile('{"fc.bias":{"dtype":"I64","shape":[4],"data_offsets":[0,32]}}', new Array(32).fill(0));
  throwsLike(() => loadSafetensors(m, i64, { strict: false }), SafetensorsError, /parameter fc\.bias: dtype: expected F32, F16, BF16, F64 for a f32 tensor, got I64/);
  const nan = buildFile('{"fc.bias":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', le('f32', [1, NaN, 0, 0]));
  throwsLike(() => loadSafetensors(m, nan, { strict: false }), SafetensorsError, /parameter fc\.bias: values: expected finite f32 values, got NaN at index 1/);
  m.dispose();
});

test('F16, BF16 and F64 files are converted to f32; F64 beyond the f32 range is refused', async () => {
  const gpu = await testGpu();
  const t = { h: tensor(gpu, [0, 0, 0, 0, 0, 0]), bf: tensor(gpu, [0, 0]), d: tensor(gpu, [0, 0]) };
  // F16 words: 1, −2, 0.5, 65504 (largest), 2⁻²⁴ (smallest subnormal), −0.
  const h = le('u16', [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000]);
  const bf = le('u16', [0x3fc0, 0xc040]); // 1.5, −3
  const d = le('f64', [0.1, -1e-3]);
  const file = buildFile('{"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"bf":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]}}', [...h, ...bf, ...d]);
  loadSafetensors(t, file);
  assert.equal(Array.from(await t.h.data()), [1, -2, 0.5, 65504, 2 ** -24, -0]);
  assert.equal(Array.from(await t.bf.data()), [1.5, -3]);
  assert.equal(Array.from(await t.d.data()), [Math.fround(0.1), Math.fround(-1e-3)]);
  const big = buildFile('{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', le('f64', [1e300]));
  const one = tensor(gpu, [0]);
  throwsLike(() => loadSafetensors({ d: one }, big), SafetensorsError, /tensor d: values: expected finite f32 values, got 1e\+300 at index 0/);
  for (const x of [...Object.values(t), one]) x.dispose();
});

test('corrupt and truncated files name the problem', async () => {
  const gpu = await testGpu();
  const t = { a: tensor(gpu, [1, 2]) };
  const good = buildFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le('f32', [3, 4]));
  const bad = (bytes: ArrayLike<number>, pattern: RegExp) => throwsLike(() => loadSafetensors(t, Uint8Array.from(bytes)), SafetensorsError, pattern);
  bad(good.slice(0, 5), /loadSafetensors: file: expected at least 8 bytes \(the header length\), got 5/);
  bad(good.slice(0, 30), /loadSafetensors: header length 56 exceeds file size 30/);
  bad(good.slice(0, good.length - 3), /loadSafetensors: data: expected 8 bytes after the header, got 5 \(a truncated file\)/);
  bad([...good, 0], /loadSafetensors: data: expected 8 bytes after the header, got 9/);
  const huge = good.slice();
  huge[6] = 1; // 2⁴⁸ + 56
  bad(huge, /loadSafetensors: header length 281474976710712 exceeds file size 72/);
  bad(buildFile('{"a":{"dtype":"F32",'), /loadSafetensors: header: expected UTF-8 JSON, got/);
  bad(buildFile('[1, 2]'), /loadSafetensors: header: expected a JSON object, got \[1,2\]/);
  bad([...buildFile('{"a":1}').slice(0, 9), 0xff, ...buildFile('{"a":1}').slice(10)], /header: expected UTF-8 JSON/);
  bad(buildFile('{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}', le('f32', [3, 4])), /tensor a: dtype: expected one of BOOL, U8, .*, got "F17"/);
  bad(buildFile('{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', le('f32', [3, 4])), /tensor a: shape: expected non-negative integers, got \[2\.5\]/);
  bad(buildFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', le('f32', [3, 4])), /tensor a: data_offsets: expected \[begin, end\] with 0 ≤ begin ≤ end, got \[8,0\]/);
  bad(buildFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', le('f32', [0, 3, 4])), /tensor a: data_offsets: expected to start at 0 \(contiguous data\), got \[4, 12\]/);
  bad(buildFile('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', le('f32', [3, 4])), /tensor a: data_offsets: expected 12 bytes for F32 \[3\], got \[0, 8\]/);
  bad(buildFile('{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le('f32', [3, 4])), /__metadata__: expected an object of strings, got \{"n":1\}/);
  // An unpadded header (other writers) is valid.
  loadSafetensors(t, buildFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le('f32', [3, 4]), false));
  assert.equal(Array.from(await t.a.data()), [3, 4]);
  throwsLike(() => loadSafetensors(t, 'x' as never), OptionError, /loadSafetensors: bytes: expected an ArrayBuffer or Uint8Array, got \[object String\]/);
  t.a.dispose();
});

test('saving refuses bad names, metadata and disposed tensors; file helpers need Node', async () => {
  const gpu = await testGpu();
  const a = tensor(gpu, [1]);
  await rejects(saveSafetensors({ __metadata__: a }), OptionError, /saveSafetensors: name: expected a tensor name other than "" and "__metadata__", got "__metadata__"/);
  await rejects(saveSafetensors({ a }, { metadata: { n: 1 as never } }), OptionError, /saveSafetensors: metadata\.n: expected a string, got number/);
  await rejects(saveSafetensors({ a: 3 as never }), GpuUsageError, /saveSafetensors: a: expected a Tensor, got 3/);
  a.dispose();
  await rejects(saveSafetensors({ a }), GpuUsageError, /saveSafetensors\(a\): tensor #\d+ \[1\]: expected a live tensor/);
  if (gpu.platform.name === 'browser') {
    await rejects(saveSafetensorsFile({}, 'x.safetensors'), OptionError, /saveSafetensorsFile: platform: expected Node \(file paths\), got a browser/);
    await rejects(loadSafetensorsFile({}, 'x.safetensors'), OptionError, /loadSafetensorsFile: platform: expected Node/);
  }
});

test.run();

/**
 * A minimal safetensors reader for test fixtures (F32 and I32 only): the 8-byte little-endian
 * header length, the JSON header, the raw little-endian data. Independent of src/nn/safetensors.ts,
 * so a fixture's expected values do not pass through the code under test.
 */
export interface FixtureTensor {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface Fixture {
  tensors: Map<string, FixtureTensor>;
  metadata: Record<string, string>;
}

/** Parses `bytes`; throws on a dtype other than F32 / I32 or a range outside the data. */
export function readFixture(bytes: Uint8Array): Fixture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const start = 8 + n;
  const tensors = new Map<string, FixtureTensor>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== 'F32' && e.dtype !== 'I32') throw new Error(`readFixture: ${name}: dtype: expected F32 or I32, got ${e.dtype}`);
    const [b, end] = e.data_offsets;
    if (start + end > bytes.byteLength) throw new Error(`readFixture: ${name}: data: expected bytes up to ${start + end}, got ${bytes.byteLength}`);
    // Copy: the embedded bytes need not be 4-byte aligned for a typed-array view.
    const raw = bytes.slice(start + b, start + end);
    const data = e.dtype === 'F32' ? new Float32Array(raw.buffer) : new Int32Array(raw.buffer);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: (header.__metadata__ ?? {}) as Record<string, string> };
}

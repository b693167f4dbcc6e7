/**
 * A minimal level-5 MAT-file writer for reader tests, written from the MathWorks format document
 * independently of src/data/mat5.ts: every numeric class and stored type, little- or big-endian,
 * plain or zlib-compressed elements, small-element tags for short names and data, and char,
 * struct and cell variables. Its output was checked once with scipy.io.loadmat (see the report).
 */
import { zlibSync } from 'fflate';

export type MiType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'single' | 'double' | 'int64' | 'uint64';

const MI: Record<MiType, [code: number, size: number]> = {
  int8: [1, 1], uint8: [2, 1], int16: [3, 2], uint16: [4, 2], int32: [5, 4], uint32: [6, 4],
  single: [7, 4], double: [9, 8], int64: [12, 8], uint64: [13, 8],
};
const CLASS: Record<string, number> = {
  cell: 1, struct: 2, char: 4, double: 6, single: 7, int8: 8, uint8: 9, int16: 10, uint16: 11,
  int32: 12, uint32: 13, int64: 14, uint64: 15, logical: 9,
};

export interface NumericVar {
  name: string;
  /** MATLAB class; 'logical' is uint8 with the logical flag. */
  cls: string;
  stored: MiType;
  dims: number[];
  /** Column-major values. */
  values: number[];
}
export interface OtherVar {
  name: string;
  cls: 'char' | 'struct' | 'cell';
  dims: number[];
}

class Bytes {
  parts: number[] = [];
  constructor(readonly le: boolean) {}
  num(v: number, type: MiType): void {
    const [, size] = MI[type];
    const dv = new DataView(new ArrayBuffer(size));
    const setters: Record<MiType, () => void> = {
      int8: () => dv.setInt8(0, v), uint8: () => dv.setUint8(0, v), int16: () => dv.setInt16(0, v, this.le),
      uint16: () => dv.setUint16(0, v, this.le), int32: () => dv.setInt32(0, v, this.le), uint32: () => dv.setUint32(0, v, this.le),
      single: () => dv.setFloat32(0, v, this.le), double: () => dv.setFloat64(0, v, this.le),
      int64: () => dv.setBigInt64(0, BigInt(v), this.le), uint64: () => dv.setBigUint64(0, BigInt(v), this.le),
    };
    setters[type]();
    this.parts.push(...new Uint8Array(dv.buffer));
  }
  /** A data element: the small form when it fits in 4 bytes, else tag + data padded to 8. */
  element(type: MiType, values: number[]): void {
    const [code, size] = MI[type];
    const n = values.length * size;
    if (n <= 4 && n > 0) {
      this.num((n << 16) | code, 'uint32');
      for (const v of values) this.num(v, type);
      for (let i = n; i < 4; i++) this.parts.push(0);
      return;
    }
    this.num(code, 'uint32');
    this.num(n, 'uint32');
    for (const v of values) this.num(v, type);
    while (this.parts.length % 8 !== 0) this.parts.push(0);
  }
  raw(b: ArrayLike<number>): void {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
  }
  get bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function matrixBody(v: NumericVar | OtherVar, le: boolean): Uint8Array {
  const b = new Bytes(le);
  const flags = CLASS[v.cls] | (v.cls === 'logical' ? 0x200 : 0);
  b.element('uint32', [flags, 0]);
  b.element('int32', v.dims);
  b.element('int8', Array.from(v.name, (c) => c.charCodeAt(0)));
  if ('stored' in v) b.element(v.stored, v.values);
  else if (v.cls === 'char') b.element('uint16', Array.from({ length: v.dims[0] * v.dims[1] }, (_, i) => 97 + (i % 26)));
  else if (v.cls === 'struct') {
    b.element('int32', [8]); // field name length
    b.element('int8', [120, 0, 0, 0, 0, 0, 0, 0]); // one field, 'x'
    for (let i = 0; i < v.dims[0] * v.dims[1]; i++) b.raw(matrix({ name: '', cls: 'double', stored: 'double', dims: [1, 1], values: [i] }, le));
  } else {
    for (let i = 0; i < v.dims[0] * v.dims[1]; i++) b.raw(matrix({ name: '', cls: 'char', dims: [1, 3] }, le));
  }
  return b.bytes;
}

function matrix(v: NumericVar | OtherVar, le: boolean): Uint8Array {
  const body = matrixBody(v, le);
  const b = new Bytes(le);
  b.num(14, 'uint32');
  b.num(body.length, 'uint32');
  b.raw(body);
  return b.bytes;
}

/** A complete level-5 file holding `vars`. */
export function writeMat5(vars: (NumericVar | OtherVar)[], opts: { le?: boolean; compress?: boolean } = {}): Uint8Array {
  const le = opts.le ?? true;
  const b = new Bytes(le);
  const text = 'MATLAB 5.0 MAT-file, written by test/ref/matwriter.ts'.padEnd(116, ' ');
  b.raw(Array.from(text, (c) => c.charCodeAt(0)));
  b.raw(new Uint8Array(8));
  b.num(0x0100, 'uint16');
  b.raw(le ? [0x49, 0x4d] : [0x4d, 0x49]); // 'IM' read in the file's order says which
  for (const v of vars) {
    const m = matrix(v, le);
    if (!opts.compress) {
      b.raw(m);
      continue;
    }
    const z = zlibSync(m);
    b.num(15, 'uint32');
    b.num(z.length, 'uint32');
    b.raw(z); // compressed elements are not padded
  }
  return b.bytes;
}

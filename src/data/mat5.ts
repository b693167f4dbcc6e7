/**
 * MATLAB level-5 MAT-file parsing (the format of `save -v6` / `-v7`, and of scipy.io.savemat),
 * after MathWorks' "MAT-File Format" (2023): a 128-byte header, then one data element per
 * variable, each a miMATRIX or a zlib-compressed miCOMPRESSED wrapping one. Every size read from
 * the file is checked against the bytes that hold it before anything is allocated, so damaged
 * files end in a DataError, never in a huge allocation or an out-of-range read.
 */
import { Inflate } from 'fflate';
import { DataError } from './cube.ts';
import { checkedCount, kindOf, type MatClass, type ParsedVariable, type StoredArray } from './matvars.ts';

const HEADER_BYTES = 128;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

/** Numeric data types (miINT8 … miUINT64): size and the typed array that holds them. */
type Ctor = new (b: ArrayBuffer) => StoredArray;
const MI: Record<number, { name: string; size: number; make: Ctor }> = {
  1: { name: 'miINT8', size: 1, make: Int8Array },
  2: { name: 'miUINT8', size: 1, make: Uint8Array },
  3: { name: 'miINT16', size: 2, make: Int16Array },
  4: { name: 'miUINT16', size: 2, make: Uint16Array },
  5: { name: 'miINT32', size: 4, make: Int32Array },
  6: { name: 'miUINT32', size: 4, make: Uint32Array },
  7: { name: 'miSINGLE', size: 4, make: Float32Array },
  9: { name: 'miDOUBLE', size: 8, make: Float64Array },
  12: { name: 'miINT64', size: 8, make: BigInt64Array },
  13: { name: 'miUINT64', size: 8, make: BigUint64Array },
};

const CLASSES: MatClass[] = ['unknown', 'cell', 'struct', 'object', 'char', 'sparse', 'double', 'single',
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'function', 'opaque'];

// The stored types whose every value the class can hold exactly (MATLAB stores doubles in the
// smallest integer type that fits them). Anything else is a damaged or foreign file.
const INTS = [1, 2, 3, 4, 5, 6, 12, 13];
const HOLDS: Partial<Record<MatClass, number[]>> = {
  double: [...INTS, 7, 9], single: [...INTS, 7, 9], logical: INTS,
  int8: [1], uint8: [2], int16: [1, 2, 3], uint16: [2, 4], int32: [1, 2, 3, 4, 5], uint32: [2, 4, 6],
  int64: [1, 2, 3, 4, 5, 6, 12], uint64: [2, 4, 6, 13],
};

/** A byte range of the file (or of a decompressed element) read in the file's byte order. */
export interface Span {
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
  source: string;
}

interface Tag {
  type: number;
  nbytes: number;
  data: number;
  /** Offset of the next element inside a matrix (sub-elements are 8-byte aligned). */
  next: number;
}

/** True when the header carries a level-5 endian mark (IM or MI) and version 0x0100. */
export function isLevel5(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_BYTES) return false;
  const mark = String.fromCharCode(bytes[126], bytes[127]);
  const version = mark === 'IM' ? bytes[124] | (bytes[125] << 8) : (bytes[124] << 8) | bytes[125];
  return (mark === 'IM' || mark === 'MI') && version === 0x0100;
}

/** Reads the element tag at `off`, checking that its data ends by `end`. */
export function readTag(s: Span, off: number, end: number): Tag {
  if (off + 8 > end) throw new DataError(s.source, `truncated: expected an 8-byte element tag at byte ${off}, got ${end - off} bytes`, 'the file is cut short; copy or save it again');
  const first = s.view.getUint32(off, s.le);
  // Small data element: byte count in the upper 16 bits, data in the tag's second half.
  if (first >>> 16 !== 0) {
    const nbytes = first >>> 16;
    if (nbytes > 4) throw new DataError(s.source, `element at byte ${off}: expected at most 4 bytes in a small element, got ${nbytes}`, 'the file is damaged; save it again');
    return { type: first & 0xffff, nbytes, data: off + 4, next: off + 8 };
  }
  const nbytes = s.view.getUint32(off + 4, s.le);
  if (off + 8 + nbytes > end) {
    throw new DataError(s.source, `truncated: element at byte ${off} declares ${nbytes} bytes, only ${end - off - 8} remain`, 'the file is cut short or damaged; copy or save it again');
  }
  return { type: first, nbytes, data: off + 8, next: Math.min(end, off + 8 + Math.ceil(nbytes / 8) * 8) };
}

/** Parses every named variable of a level-5 file (values are decoded later, on demand). */
export function parseLevel5(bytes: Uint8Array, source: string): ParsedVariable[] {
  const le = bytes[126] === 0x49; // 'I' of 'IM'
  const file: Span = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), le, source };
  const vars: ParsedVariable[] = [];
  for (let off = HEADER_BYTES; off < bytes.length;) {
    const tag = readTag(file, off, bytes.length);
    let v: ParsedVariable | null;
    if (tag.type === MI_COMPRESSED) {
      const inner = inflateElement(file, tag.data, tag.nbytes);
      const span: Span = { bytes: inner, view: new DataView(inner.buffer, inner.byteOffset, inner.byteLength), le, source };
      const t = readTag(span, 0, inner.length);
      if (t.type !== MI_MATRIX || 8 + t.nbytes !== inner.length) {
        throw new DataError(source, `compressed element at byte ${off}: expected one miMATRIX of ${inner.length - 8} bytes, got type ${t.type} of ${t.nbytes}`, 'the file is damaged; save it again');
      }
      v = parseMatrix(span, t.data, t.data + t.nbytes);
    } else if (tag.type === MI_MATRIX) {
      v = parseMatrix(file, tag.data, tag.data + tag.nbytes);
    } else {
      throw new DataError(source, `element at byte ${off}: expected miMATRIX (14) or miCOMPRESSED (15), got type ${tag.type}`, 'the file is damaged or not a MAT-file; save it again');
    }
    // An empty name marks MATLAB's subsystem data (class metadata), not a variable.
    if (v && v.name !== '') vars.push(v);
    off = tag.data + tag.nbytes;
  }
  return vars;
}

function fail(s: Span, what: string): never {
  throw new DataError(s.source, what, 'the file is damaged; save it again');
}

/** A variable from the miMATRIX data between `start` and `end` (null for an empty element). */
function parseMatrix(s: Span, start: number, end: number): ParsedVariable | null {
  if (start === end) return null; // MATLAB writes empty matrices as bare tags
  const flagsTag = readTag(s, start, end);
  if (flagsTag.type !== 6 || flagsTag.nbytes !== 8) fail(s, `array flags at byte ${start}: expected 8 bytes of miUINT32, got ${flagsTag.nbytes} of type ${flagsTag.type}`);
  const flags = s.view.getUint32(flagsTag.data, s.le);
  const code = flags & 0xff;
  if (code < 1 || code >= CLASSES.length) {
    throw new DataError(s.source, `array class: expected a MATLAB class code 1–17, got ${code}`, 'the file is damaged or from an unsupported writer; save it again with save -v7');
  }
  let cls = CLASSES[code];
  if (flags & 0x200 && cls !== 'sparse') cls = 'logical'; // sparse logicals stay sparse
  const complex = (flags & 0x800) !== 0;
  // Opaque objects (string, table, …) carry no dims: name, then type and class names.
  if (cls === 'opaque') return { name: readName(s, flagsTag.next, end).name, dims: [1, 1], class: cls, kind: 'other' };
  const dims = readDims(s, flagsTag.next, end);
  const { name, next } = readName(s, dims.next, end);
  const v: ParsedVariable = { name, dims: dims.dims, class: cls, kind: kindOf(cls, dims.dims, complex), ...(complex ? { complex } : {}) };
  const holds = HOLDS[cls];
  if (!holds) return v; // char, struct, cell, sparse, object, function: listed, not loaded
  const count = checkedCount(s.source, name, v.dims);
  const real = readTag(s, next, end);
  const mi = MI[real.type];
  if (!mi || !holds.includes(real.type)) {
    throw new DataError(`${s.source}:${name}`, `data type: expected one a ${cls} can hold, got ${mi?.name ?? `type ${real.type}`}`, 'the file is damaged or from an unsupported writer; save it again');
  }
  if (real.nbytes !== count * mi.size) fail(s, `${name}: data: expected ${v.dims.join('×')} = ${count} values (${count * mi.size} bytes), got ${real.nbytes} bytes`);
  if (complex) return v;
  v.stored = () => decode(s, real.data, real.nbytes, mi);
  return v;
}

function readDims(s: Span, off: number, end: number): { dims: number[]; next: number } {
  const t = readTag(s, off, end);
  if (t.type !== 5 || t.nbytes % 4 !== 0 || t.nbytes < 8) fail(s, `dimensions at byte ${off}: expected at least 2 miINT32 values, got ${t.nbytes} bytes of type ${t.type}`);
  const dims: number[] = [];
  for (let i = 0; i < t.nbytes; i += 4) dims.push(s.view.getInt32(t.data + i, s.le));
  if (dims.some((d) => d < 0)) fail(s, `dimensions: expected sizes ≥ 0, got ${dims.join('×')}`);
  return { dims, next: t.next };
}

function readName(s: Span, off: number, end: number): { name: string; next: number } {
  const t = readTag(s, off, end);
  if (t.type !== 1 && t.type !== 2 && t.type !== 16) fail(s, `array name at byte ${off}: expected miINT8 text, got type ${t.type}`);
  let name = '';
  for (let i = 0; i < t.nbytes; i++) name += String.fromCharCode(s.bytes[t.data + i]);
  return { name, next: t.next };
}

/** Copies the values out in native order (big-endian files are byte-swapped). */
function decode(s: Span, off: number, nbytes: number, mi: { size: number; make: Ctor }): StoredArray {
  const copy = s.bytes.slice(off, off + nbytes);
  if (!s.le && mi.size > 1) {
    for (let i = 0; i < nbytes; i += mi.size) {
      for (let a = i, b = i + mi.size - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  return new mi.make(copy.buffer);
}

// miCOMPRESSED elements: one zlib stream holding one miMATRIX element. The stream is inflated in
// small pieces into a buffer sized by the inner element's own tag, so a damaged or hostile stream
// can never make us allocate or write more than the element declares (and never more than
// deflate's 1032:1 best case allows for its compressed size); the zlib Adler-32 is checked, so
// damaged data cannot decode silently to wrong values.

/** Compressed bytes handed to the inflater at a time: bounds one step's output to ~16 MiB. */
const PIECE = 16 * 1024;
/** Deflate cannot expand by more than 1032:1 (a 258-byte match per ~2 bits). */
const MAX_RATIO = 1032;
/** Typed arrays past 2 GiB are refused by several engines; no single variable gets near that. */
const MAX_ELEMENT_BYTES = 2 ** 31 - 1;

const damaged = 'the file is damaged; copy or save it again';

/** Adler-32 (RFC 1950), in runs of 5552 bytes so the sums never overflow before the modulo. */
function adler32(d: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < d.length;) {
    const end = Math.min(d.length, i + 5552);
    for (; i < end; i++) (a += d[i]), (b += a);
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The decompressed content of the miCOMPRESSED element whose data is at `off`. */
function inflateElement(s: Span, off: number, nbytes: number): Uint8Array {
  const at = `compressed element at byte ${off - 8}`;
  if (nbytes < 2 + 2 + 4) throw new DataError(s.source, `${at}: expected a zlib stream, got ${nbytes} bytes`, damaged);
  const cmf = s.bytes[off];
  const flg = s.bytes[off + 1];
  // RFC 1950: deflate method 8, window ≤ 32 KiB, header check, no preset dictionary.
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) {
    throw new DataError(s.source, `${at}: expected a zlib header, got bytes ${cmf} ${flg}`, damaged);
  }
  const limit = Math.min(MAX_ELEMENT_BYTES, nbytes * MAX_RATIO);
  let out: Uint8Array | null = null;
  let head = new Uint8Array(0);
  let written = 0;
  const take = (chunk: Uint8Array): void => {
    if (!out) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      if (joined.length < 8) return void (head = joined);
      out = new Uint8Array(innerSize(s, joined, limit, at));
      chunk = joined;
    }
    if (written + chunk.length > out.length) {
      throw new DataError(s.source, `${at}: expected ${out.length} decompressed bytes, got more`, damaged);
    }
    out.set(chunk, written);
    written += chunk.length;
  };
  const inflater = new Inflate(take);
  const body = s.bytes.subarray(off + 2, off + nbytes - 4);
  try {
    for (let p = 0; p < body.length; p += PIECE) inflater.push(body.subarray(p, p + PIECE), p + PIECE >= body.length);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(s.source, `${at}: zlib: ${(e as Error).message}`, damaged);
  }
  const result = out as Uint8Array | null;
  if (!result || written !== result.length) {
    throw new DataError(s.source, `${at}: expected ${result?.length ?? 'at least 8'} decompressed bytes, got ${written || head.length}`, damaged);
  }
  const expected = new DataView(s.bytes.buffer, s.bytes.byteOffset).getUint32(off + nbytes - 4, false);
  if (adler32(result) !== expected) throw new DataError(s.source, `${at}: zlib checksum does not match the data`, damaged);
  return result;
}

/** 8 + the byte count in the inner element's tag, refused when the stream could not hold it. */
function innerSize(s: Span, head: Uint8Array, limit: number, at: string): number {
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const total = 8 + v.getUint32(4, s.le);
  if (total > limit) {
    throw new DataError(s.source, `${at}: declares ${total} decompressed bytes, more than its compressed size allows (${limit})`, damaged);
  }
  return total;
}

/**
 * safetensors checkpoints (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {…}},
 * then the raw little-endian data. Saving writes what the reference serializer writes, byte for
 * byte: tensors ordered by dtype alignment (F32, then U32, then I32) and then by name, metadata
 * keys sorted, compact JSON, the header padded with spaces to a multiple of 8.
 *
 * Loading checks the whole file (header, offsets, names, shapes, dtypes, finite values) before
 * it writes any tensor, so a failed load leaves the module as it was. F16, BF16 and F64 data
 * are converted to f32 (F64 values must fit in f32); other dtypes are refused.
 */
import { readFileBytes, writeFileBytes, platform } from '#platform';
import { GpuUsageError } from '../gpu/index.ts';
import { HsiError, OptionError } from '../errors.ts';
import { fmtShape, shapeSize, type DType, type Tensor } from '../tensor/tensor.ts';

/** A file that is not valid safetensors, or does not fit the module it is loaded into. */
export class SafetensorsError extends HsiError {}

/** A module (anything with stateDict()) or a plain record of named tensors. */
export type TensorSource = { stateDict(): [string, Tensor][]; namedParameters?(): [string, Tensor][] } | Record<string, Tensor>;

export interface SaveOptions {
  /** Free-form string pairs stored under "__metadata__". */
  metadata?: Record<string, string>;
}

export interface LoadOptions {
  /** Refuse files whose names differ from the module's (default true), as PyTorch's load_state_dict. */
  strict?: boolean;
}

export interface LoadResult {
  /** Names written into the module. */
  loaded: string[];
  /** The module's names absent from the file (left as they were). */
  missing: string[];
  /** Names in the file that the module does not have (ignored). */
  unexpected: string[];
  metadata: Record<string, string> | null;
}

/** safetensors dtypes and their element sizes, in the reference's order of increasing alignment. */
const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
} as const;
export type FileDType = keyof typeof DTYPE_SIZES;
const DTYPE_ORDER = Object.keys(DTYPE_SIZES) as FileDType[];
/** The reference refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

/** One tensor of a file: byte range [begin, end) within the data section. */
interface Entry {
  name: string;
  dtype: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

const FILE_DTYPE: Record<DType, FileDType> = { f32: 'F32', u32: 'U32', i32: 'I32' };
/** What each tensor dtype accepts from a file; F16, BF16, F64 are converted. */
const ACCEPTS: Record<DType, FileDType[]> = { f32: ['F32', 'F16', 'BF16', 'F64'], i32: ['I32'], u32: ['U32'] };

/** Serialises the tensors of `source` (reads them back from the GPU: a sync point). */
export async function saveSafetensors(source: TensorSource, opts: SaveOptions = {}): Promise<Uint8Array> {
  const op = 'saveSafetensors';
  const entries = namedTensors(op, source);
  for (const [name, t] of entries) {
    if (name === '__metadata__' || name === '') throw new OptionError(op, `name: expected a tensor name other than "" and "__metadata__", got "${name}"`);
    t.assertLive(`${op}(${name})`);
  }
  const metadata = opts.metadata ?? null;
  if (metadata !== null) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new OptionError(op, `metadata.${k}: expected a string, got ${typeof v}`);
    }
  }
  const infos: Entry[] = entries.map(([name, t]) => ({ name, dtype: FILE_DTYPE[t.dtype], shape: [...t.shape], begin: 0, end: 0 }));
  const header = encodeHeader(infos, metadata);
  const data = infos.length ? infos[infos.length - 1].end : 0;
  const out = new Uint8Array(8 + header.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  const byName = new Map(entries);
  for (const e of infos) {
    const t = byName.get(e.name)!;
    // GPU buffers are little-endian, as the format: the raw bytes go through unchanged.
    if (t.size > 0) out.set(new Uint8Array(await t.gpu.read(t.buffer, t.size * 4)), 8 + header.length + e.begin);
  }
  return out;
}

/**
 * Writes the tensors of a safetensors file into the existing tensors of `target` (in place:
 * parameters keep their identity). With strict (the default) the names must match exactly;
 * shapes must always match.
 */
export function loadSafetensors(target: TensorSource, bytes: ArrayBuffer | ArrayBufferView, opts: LoadOptions = {}): LoadResult {
  const op = 'loadSafetensors';
  const strict = opts.strict ?? true;
  const own = namedTensors(op, target);
  const file = decode(op, toBytes(op, bytes));
  const fileNames = new Map(file.entries.map((e) => [e.name, e]));
  const ownNames = new Set(own.map(([n]) => n));
  const missing = own.map(([n]) => n).filter((n) => !fileNames.has(n));
  const unexpected = file.entries.map((e) => e.name).filter((n) => !ownNames.has(n));
  if (strict && (missing.length || unexpected.length)) {
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''].filter(Boolean);
    throw new SafetensorsError(op, `names: expected the module's tensors exactly (or pass { strict: false }), got ${parts.join('; ')}`);
  }
  const params = new Set(typeof target.namedParameters === 'function' ? (target.namedParameters as () => [string, Tensor][])().map(([n]) => n) : []);
  const writes: [string, Tensor, Uint8Array][] = [];
  for (const [name, t] of own) {
    const e = fileNames.get(name);
    if (!e) continue;
    const kind = params.has(name) ? 'parameter' : 'tensor';
    t.assertLive(`${op}(${name})`);
    if (e.shape.length !== t.rank || e.shape.some((d, i) => d !== t.shape[i])) {
      throw new SafetensorsError(op, `${kind} ${name}: expected shape ${fmtShape(t.shape)}, got ${fmtShape(e.shape)}`);
    }
    if (!ACCEPTS[t.dtype].includes(e.dtype)) {
      throw new SafetensorsError(op, `${kind} ${name}: dtype: expected ${ACCEPTS[t.dtype].join(', ')} for a ${t.dtype} tensor, got ${e.dtype}`);
    }
    writes.push([name, t, toWords(op, `${kind} ${name}`, e, file.data.subarray(e.begin, e.end))]);
  }
  for (const [, t, words] of writes) if (words.byteLength > 0) t.gpu.write(t.buffer, words);
  return { loaded: writes.map(([name]) => name), missing, unexpected, metadata: file.metadata };
}

/** saveSafetensors to a file (Node; in a browser, save the bytes of saveSafetensors yourself). */
export async function saveSafetensorsFile(source: TensorSource, path: string, opts: SaveOptions = {}): Promise<void> {
  checkPath('saveSafetensorsFile', path);
  const bytes = await saveSafetensors(source, opts);
  await writeFileBytes(path, bytes);
}

/** loadSafetensors from a file (Node; in a browser, pass the file's bytes to loadSafetensors). */
export async function loadSafetensorsFile(target: TensorSource, path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  checkPath('loadSafetensorsFile', path);
  return loadSafetensors(target, await readFileBytes(path), opts);
}

function checkPath(op: string, path: string): void {
  if (platform.name === 'browser') {
    throw new OptionError(op, 'platform: expected Node (file paths), got a browser: use the bytes API (saveSafetensors / loadSafetensors with an ArrayBuffer)');
  }
  if (typeof path !== 'string' || path === '') throw new OptionError(op, `path: expected a file path, got ${String(path)}`);
}

function namedTensors(op: string, source: TensorSource): [string, Tensor][] {
  if (!source || typeof source !== 'object') throw new OptionError(op, `source: expected a Module or a record of tensors, got ${String(source)}`);
  const list = typeof source.stateDict === 'function' ? (source.stateDict as () => [string, Tensor][])() : Object.entries(source as Record<string, Tensor>);
  for (const [name, t] of list) {
    if (!t || typeof t !== 'object' || !('storage' in t)) throw new GpuUsageError(op, `${name}: expected a Tensor, got ${String(t)}`);
  }
  return list;
}

function toBytes(op: string, bytes: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new OptionError(op, `bytes: expected an ArrayBuffer or Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
}

/** The 4-byte words to upload for one entry: F32/I32/U32 as stored, F16/BF16/F64 converted to f32. */
function toWords(op: string, what: string, e: Entry, raw: Uint8Array): Uint8Array {
  const n = shapeSize(e.shape);
  const src = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (e.dtype === 'I32' || e.dtype === 'U32') return raw.slice();
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = e.dtype === 'F32' ? src.getFloat32(4 * i, true)
      : e.dtype === 'F64' ? src.getFloat64(8 * i, true)
      : e.dtype === 'BF16' ? bf16(src.getUint16(2 * i, true)) : f16(src.getUint16(2 * i, true));
    out[i] = v;
    // Kernels assume finite values (as tensor() does); F64 beyond ±3.4e38 would become Infinity.
    if (!Number.isFinite(out[i])) throw new SafetensorsError(op, `${what}: values: expected finite f32 values, got ${v} at index ${i}`);
  }
  return new Uint8Array(out.buffer);
}

function f16(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}

const utf8 = new TextEncoder();

/** Byte-wise UTF-8 order, as Rust compares strings. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Orders `entries` as the reference serializer does (descending dtype alignment, then name),
 * assigns their data offsets, and returns the padded JSON header. The JSON is written by hand:
 * a JS object would move integer-like names ("0") to the front.
 */
function encodeHeader(entries: Entry[], metadata: Record<string, string> | null): Uint8Array {
  entries.sort((a, b) => DTYPE_ORDER.indexOf(b.dtype) - DTYPE_ORDER.indexOf(a.dtype) || compareUtf8(a.name, b.name));
  let offset = 0;
  const parts: string[] = [];
  if (metadata) {
    const keys = Object.keys(metadata).sort(compareUtf8);
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  for (const e of entries) {
    e.begin = offset;
    e.end = offset += shapeSize(e.shape) * DTYPE_SIZES[e.dtype];
    parts.push(`${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],"data_offsets":[${e.begin},${e.end}]}`);
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

interface Decoded {
  entries: Entry[];
  /** The data section (after the header). */
  data: Uint8Array;
  metadata: Record<string, string> | null;
}

/** Parses and validates a whole file as the reference reader does (offsets contiguous from 0, sizes exact, no trailing bytes). */
function decode(op: string, bytes: Uint8Array): Decoded {
  const fail = (what: string): never => { throw new SafetensorsError(op, what); };
  if (bytes.length < 8) fail(`file: expected at least 8 bytes (the header length), got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > bytes.length - 8) fail(`header length ${n} exceeds file size ${bytes.length}: expected at most ${bytes.length - 8} bytes of header, got ${n} (a truncated or non-safetensors file)`);
  if (n > MAX_HEADER) fail(`header length: expected at most ${MAX_HEADER} bytes, got ${n}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header: expected UTF-8 JSON, got ${(e as Error).message}`);
  }
  if (!isRecord(header)) return fail(`header: expected a JSON object, got ${JSON.stringify(header)?.slice(0, 40)}`);
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') metadata = checkMetadata(info, fail);
    else entries.push(checkEntry(name, info, fail));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let end = 0;
  for (const e of entries) {
    if (e.begin !== end) fail(`tensor ${e.name}: data_offsets: expected to start at ${end} (contiguous data), got [${e.begin}, ${e.end}]`);
    const want = shapeSize(e.shape) * DTYPE_SIZES[e.dtype];
    if (e.end - e.begin !== want) fail(`tensor ${e.name}: data_offsets: expected ${want} bytes for ${e.dtype} ${fmtShape(e.shape)}, got [${e.begin}, ${e.end}]`);
    end = e.end;
  }
  const have = bytes.length - 8 - n;
  if (have !== end) fail(`data: expected ${end} bytes after the header, got ${have}${have < end ? ' (a truncated file)' : ''}`);
  return { entries, data: bytes.subarray(8 + n), metadata };
}

function checkEntry(name: string, info: unknown, fail: (what: string) => never): Entry {
  if (!isRecord(info)) return fail(`tensor ${name}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
  const { dtype, shape, data_offsets: off } = info;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) fail(`tensor ${name}: dtype: expected one of ${DTYPE_ORDER.join(', ')}, got ${JSON.stringify(dtype)}`);
  const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor ${name}: shape: expected non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount) || off[0] > off[1]) {
    fail(`tensor ${name}: data_offsets: expected [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(off)}`);
  }
  const o = off as number[];
  return { name, dtype: dtype as FileDType, shape: shape as number[], begin: o[0], end: o[1] };
}

function checkMetadata(info: unknown, fail: (what: string) => never): Record<string, string> {
  if (!isRecord(info) || !Object.values(info).every((v) => typeof v === 'string')) {
    return fail(`__metadata__: expected an object of strings, got ${JSON.stringify(info)}`);
  }
  return info as Record<string, string>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

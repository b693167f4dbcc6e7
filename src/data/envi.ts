/**
 * ENVI raster reader: the `.hdr` text header plus the raw binary file, to a Cube.
 *
 * Header fields used: samples (cols), lines (rows), bands, data type (1 u8, 2 i16, 3 i32,
 * 4 f32, 5 f64, 12 u16, 13 u32, 14 i64, 15 u64; complex types 6 and 9 are refused), interleave
 * (bsq, bil, bip), byte order (0 little-, 1 big-endian), header offset (bytes skipped at the
 * start of the raw file) and wavelength (a brace list, possibly over several lines); map info
 * and coordinate system string are kept as `cube.geo` (data/geo.ts).
 * The raw file is read in chunks of whole records through a reader function, so a Node file
 * handle or a browser `File.slice` feeds it without holding the whole file twice.
 */
import { byteInput, DataError, makeCube, type Cube } from './cube.ts';
import { geoFromEnviFields } from './geo.ts';

export interface EnviHeader {
  samples: number;
  lines: number;
  bands: number;
  dataType: number;
  interleave: 'bsq' | 'bil' | 'bip';
  /** 0 = little-endian, 1 = big-endian. */
  byteOrder: 0 | 1;
  headerOffset: number;
  wavelengths?: number[];
  /** Every field as text, keys lower-cased (for fields this reader does not interpret). */
  fields: Record<string, string>;
}

/** Raw-file names ENVI tools write next to `name.hdr`, tried in this order (Node and the browser app). */
export const ENVI_RAW_SUFFIXES: readonly string[] = ['', '.img', '.raw', '.dat', '.bsq', '.bil', '.bip', '.IMG', '.RAW', '.DAT'];

/** Bytes per value of each supported ENVI data type. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 12: 2, 13: 4, 14: 8, 15: 8 };

/** Splits `key = value` lines; a value opened with `{` runs to its closing `}`. */
function headerFields(text: string, source: string): Record<string, string> {
  if (!/^\s*ENVI\b/.test(text)) throw new DataError(source, "header: expected the first line to be 'ENVI', got " + JSON.stringify(text.slice(0, 20)), 'pass the .hdr file of an ENVI raster');
  const fields: Record<string, string> = {};
  const re = /^[ \t]*([^=\n\r]+?)[ \t]*=[ \t]*(\{[^}]*\}|[^\n\r]*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) fields[m[1].toLowerCase().replace(/\s+/g, ' ')] = m[2].trim();
  return fields;
}

function intField(fields: Record<string, string>, key: string, source: string, fallback?: number): number {
  const raw = fields[key];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new DataError(source, `header: expected a '${key}' field, got none`, 'add it to the .hdr file');
  }
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new DataError(source, `header '${key}': expected a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parses the text of an ENVI `.hdr` file. */
export function parseEnviHeader(text: string, source = 'envi.hdr'): EnviHeader {
  const fields = headerFields(text, source);
  const dataType = intField(fields, 'data type', source);
  if (!TYPE_SIZE[dataType]) {
    throw new DataError(source, `header 'data type': expected one of 1,2,3,4,5,12,13,14,15, got ${dataType}`, 'complex data (6, 9) must be converted to real values first');
  }
  const interleave = (fields.interleave ?? 'bsq').toLowerCase();
  if (interleave !== 'bsq' && interleave !== 'bil' && interleave !== 'bip') {
    throw new DataError(source, `header 'interleave': expected bsq, bil or bip, got ${JSON.stringify(fields.interleave)}`);
  }
  const byteOrder = intField(fields, 'byte order', source, 0);
  if (byteOrder > 1) throw new DataError(source, `header 'byte order': expected 0 or 1, got ${byteOrder}`);
  const header: EnviHeader = {
    samples: intField(fields, 'samples', source),
    lines: intField(fields, 'lines', source),
    bands: intField(fields, 'bands', source),
    dataType, interleave, byteOrder: byteOrder as 0 | 1,
    headerOffset: intField(fields, 'header offset', source, 0),
    fields,
  };
  if (fields.wavelength !== undefined) header.wavelengths = numberList(fields.wavelength, 'wavelength', source);
  return header;
}

function numberList(raw: string, key: string, source: string): number[] {
  const items = raw.replace(/^\{|\}$/g, '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return items.map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new DataError(source, `header '${key}': expected numbers, got ${JSON.stringify(s)}`);
    return v;
  });
}

export interface EnviReadOptions {
  /** Largest cube accepted, in bytes of float32 output (default 2 GiB). */
  maxBytes?: number;
  /** Bytes per read (rounded to whole records; default 8 MiB). */
  chunkBytes?: number;
}

/** Reads `length` bytes at `offset` of the raw file (e.g. a Node FileHandle or File.slice). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

type Getter = (view: DataView, at: number, little: boolean) => number;
const GETTERS: Record<number, Getter> = {
  1: (v, a) => v.getUint8(a),
  2: (v, a, l) => v.getInt16(a, l),
  3: (v, a, l) => v.getInt32(a, l),
  4: (v, a, l) => v.getFloat32(a, l),
  5: (v, a, l) => v.getFloat64(a, l),
  12: (v, a, l) => v.getUint16(a, l),
  13: (v, a, l) => v.getUint32(a, l),
  14: (v, a, l) => Number(v.getBigInt64(a, l)),
  15: (v, a, l) => Number(v.getBigUint64(a, l)),
};

/**
 * Reads an ENVI raster whose raw file has `fileBytes` bytes through `read`. Values are
 * widened to float32 (64-bit integers beyond 2^24 lose precision, as any float32 does).
 */
export async function readEnviFrom(header: EnviHeader | string, read: ByteReader, fileBytes: number, source = 'envi', opts: EnviReadOptions = {}): Promise<Cube> {
  const h = typeof header === 'string' ? parseEnviHeader(header, `${source}.hdr`) : header;
  const { samples: cols, lines: rows, bands } = h;
  const size = TYPE_SIZE[h.dataType];
  const outBytes = rows * cols * bands * 4;
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  if (outBytes > maxBytes) {
    throw new DataError(source, `size: ${rows}×${cols}×${bands} float32 needs ${outBytes} bytes, more than the limit of ${maxBytes}`, 'crop or subsample the raster, or raise maxBytes');
  }
  const need = h.headerOffset + rows * cols * bands * size;
  if (fileBytes < need) {
    throw new DataError(source, `raw file: expected ${need} bytes (header offset ${h.headerOffset} + ${rows}×${cols}×${bands} × ${size}), got ${fileBytes}`, 'the file is truncated or the header does not match it');
  }
  const data = new Float32Array(rows * cols * bands);
  // A record: one band of one row (bsq, bil) or all bands of one row (bip).
  const recordValues = h.interleave === 'bip' ? cols * bands : cols;
  const records = h.interleave === 'bip' ? rows : rows * bands;
  const perChunk = Math.max(1, Math.floor((opts.chunkBytes ?? 8 << 20) / (recordValues * size)));
  for (let first = 0; first < records; first += perChunk) {
    const count = Math.min(perChunk, records - first);
    const bytes = await read(h.headerOffset + first * recordValues * size, count * recordValues * size);
    if (bytes.length < count * recordValues * size) {
      throw new DataError(source, `raw file: expected ${count * recordValues * size} bytes at offset ${h.headerOffset + first * recordValues * size}, got ${bytes.length}`, 'the file is truncated or changed while reading');
    }
    decodeRecords(h, bytes, first, count, data);
  }
  const geo = geoFromEnviFields(h.fields);
  return makeCube(source, rows, cols, bands, data, { ...(h.wavelengths && { wavelengths: h.wavelengths }), ...(geo && { geo }) });
}

/** Decodes `count` records starting at record `first` into the band-sequential `out`. */
function decodeRecords(h: EnviHeader, bytes: Uint8Array, first: number, count: number, out: Float32Array): void {
  const { samples: cols, lines: rows, bands } = h;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const get = GETTERS[h.dataType];
  const little = h.byteOrder === 0;
  const size = TYPE_SIZE[h.dataType];
  let at = 0;
  for (let k = first; k < first + count; k++) {
    if (h.interleave === 'bip') {
      // Record k is row k: samples × bands, band fastest.
      for (let c = 0; c < cols; c++) {
        for (let b = 0; b < bands; b++, at += size) out[(b * rows + k) * cols + c] = get(view, at, little);
      }
      continue;
    }
    // bsq: record k is (band k / rows, row k % rows); bil: (band k % bands, row k / bands).
    const b = h.interleave === 'bsq' ? Math.floor(k / rows) : k % bands;
    const r = h.interleave === 'bsq' ? k % rows : Math.floor(k / bands);
    const dst = (b * rows + r) * cols;
    for (let c = 0; c < cols; c++, at += size) out[dst + c] = get(view, at, little);
  }
}

/** Reads an ENVI raster from its header text and the raw file's bytes. */
export async function readEnvi(header: EnviHeader | string, raw: Uint8Array | ArrayBuffer, source = 'envi', opts: EnviReadOptions = {}): Promise<Cube> {
  const bytes = byteInput('readEnvi', raw, 'readEnviFile');
  const read: ByteReader = async (offset, length) => bytes.subarray(offset, offset + length);
  return readEnviFrom(header, read, bytes.length, source, opts);
}

/** A ByteReader over a Blob or File (a browser's picked file), one slice per chunk. */
export function blobReader(blob: Blob): ByteReader {
  return async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
}

/** Reads an ENVI raster from its header text and the raw file as a Blob/File, in chunks. */
export function readEnviBlob(header: EnviHeader | string, raw: Blob, source = 'envi', opts: EnviReadOptions = {}): Promise<Cube> {
  return readEnviFrom(header, blobReader(raw), raw.size, source, opts);
}

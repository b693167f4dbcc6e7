/**
 * Float32 (Geo)TIFF writer: a classic little-endian TIFF, uncompressed, one strip per band
 * (planar), with the input's GeoTIFF tags copied verbatim so GIS tools place it where the input
 * lies. Used for `scores.tif`; `geotiff` (src/data/tiff.ts) reads it back in the tests.
 *
 * geotiff's own writer is not used: without projection tags it stamps the raster as WGS 84
 * covering the whole globe (a wrong georeference is worse than none), and it reserves a fixed
 * 1000 bytes for the directory, which a long GeoAsciiParams citation overflows.
 */
import { DataError } from './cube.ts';
import type { GeoTiffTags } from './geo.ts';

const SHORT = 3, LONG = 4, ASCII = 2, DOUBLE = 12;
const SIZE: Record<number, number> = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [DOUBLE]: 8 };

interface Entry {
  tag: number;
  type: number;
  values: readonly number[] | string;
}

export interface TiffWriteOptions {
  /** Georeferencing tags to write (e.g. a Cube's `geo.tiff`). */
  geo?: GeoTiffTags;
  /** GDAL_NODATA (42113): the value GIS tools treat as missing. */
  noData?: number;
  /** ImageDescription (270). */
  description?: string;
}

const count = (e: Entry): number => (typeof e.values === 'string' ? e.values.length + 1 : e.values.length);

function geoEntries(geo: GeoTiffTags | undefined): Entry[] {
  if (!geo) return [];
  const out: Entry[] = [];
  const add = (tag: number, type: number, v: readonly number[] | string | undefined): void => void (v && v.length && out.push({ tag, type, values: v }));
  add(33550, DOUBLE, geo.pixelScale);
  add(33922, DOUBLE, geo.tiepoint);
  add(34264, DOUBLE, geo.transformation);
  add(34735, SHORT, geo.keyDirectory);
  add(34736, DOUBLE, geo.doubleParams);
  add(34737, ASCII, geo.asciiParams);
  return out;
}

function writeValues(view: DataView, at: number, e: Entry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(at + i, e.values.charCodeAt(i) & 0xff);
    view.setUint8(at + e.values.length, 0);
    return;
  }
  const step = SIZE[e.type];
  e.values.forEach((v, i) => {
    if (e.type === SHORT) view.setUint16(at + i * step, v, true);
    else if (e.type === LONG) view.setUint32(at + i * step, v, true);
    else view.setFloat64(at + i * step, v, true);
  });
}

/**
 * A TIFF of `data` (bands × rows × cols, band-sequential like a Cube's data) as float32 samples,
 * BlackIsZero, one strip per band.
 */
export function writeTiff(data: Float32Array, rows: number, cols: number, bands = 1, opts: TiffWriteOptions = {}): Uint8Array<ArrayBuffer> {
  if (!(rows >= 1 && cols >= 1 && bands >= 1) || data.length !== rows * cols * bands) {
    throw new DataError('writeTiff', `data: expected ${rows}×${cols}×${bands} = ${rows * cols * bands} values, got ${data.length}`);
  }
  const plane = rows * cols * 4;
  if (8 + plane * bands > 2 ** 32 - 2 ** 20) throw new DataError('writeTiff', `size: ${plane * bands} bytes, more than a classic TIFF holds`, 'write .npy or ENVI instead');
  const perBand = (v: number): number[] => Array<number>(bands).fill(v);
  const entries: Entry[] = [
    { tag: 256, type: LONG, values: [cols] }, { tag: 257, type: LONG, values: [rows] },
    { tag: 258, type: SHORT, values: perBand(32) }, { tag: 259, type: SHORT, values: [1] }, { tag: 262, type: SHORT, values: [1] },
    { tag: 273, type: LONG, values: perBand(0) }, // strip offsets, filled in below
    { tag: 277, type: SHORT, values: [bands] }, { tag: 278, type: LONG, values: [rows] }, { tag: 279, type: LONG, values: perBand(plane) },
    { tag: 284, type: SHORT, values: [2] }, { tag: 305, type: ASCII, values: 'hsi-gpu' }, { tag: 339, type: SHORT, values: perBand(3) },
    ...geoEntries(opts.geo),
  ];
  if (opts.description) entries.push({ tag: 270, type: ASCII, values: opts.description });
  if (opts.noData !== undefined) entries.push({ tag: 42113, type: ASCII, values: String(opts.noData) });
  entries.sort((a, b) => a.tag - b.tag); // TIFF requires ascending tags
  // Layout: header, directory, values that do not fit in 4 bytes (word-aligned), then the strips.
  const dirBytes = 2 + entries.length * 12 + 4;
  let extra = 8 + dirBytes;
  const at = entries.map((e) => {
    const n = count(e) * SIZE[e.type];
    if (n <= 4) return -1;
    const here = (extra + 7) & ~7;
    extra = here + n;
    return here;
  });
  const dataAt = (extra + 7) & ~7;
  (entries.find((e) => e.tag === 273)!.values as number[]).forEach((_, b, a) => (a[b] = dataAt + b * plane));
  const out = new Uint8Array(dataAt + plane * bands);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach((e, i) => {
    const p = 10 + i * 12;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, count(e), true);
    if (at[i] < 0) writeValues(view, p + 8, e);
    else (view.setUint32(p + 8, at[i], true), writeValues(view, at[i], e));
  });
  view.setUint32(10 + entries.length * 12, 0, true); // no next directory
  // Float32Array is host-endian; every platform Node and browsers run on is little-endian.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataAt);
  return out;
}

/**
 * ENVI raster writer: a `.hdr` text header and a raw float32 `.img` (band-sequential,
 * little-endian), with the input's `map info`, `coordinate system string` and `projection info`
 * copied verbatim, so ENVI, QGIS and GDAL place it where the input lies. data/envi.ts reads it.
 */
import { DataError } from './cube.ts';
import type { EnviGeoFields } from './geo.ts';

export interface EnviWriteOptions {
  /** Georeferencing fields to write (e.g. a Cube's `geo.envi`). */
  geo?: EnviGeoFields;
  /** `description = {…}`. */
  description?: string;
  /** `band names = {…}`, one per band. */
  bandNames?: string[];
  /** `data ignore value`: the value readers treat as missing. */
  ignoreValue?: number;
}

/** A `{…}` value; braces inside would end it early, so they become parentheses. */
const braced = (s: string): string => `{${s.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'))}}`;
/** A stored field keeps its own braces; a bare one gets them. */
const field = (s: string): string => (/^\{[\s\S]*\}$/.test(s.trim()) ? s.trim() : braced(s));

/** The header text for a float32 bsq raster of rows × cols × bands. */
export function enviHeader(rows: number, cols: number, bands: number, opts: EnviWriteOptions = {}): string {
  const lines = ['ENVI'];
  if (opts.description) lines.push(`description = ${braced(opts.description)}`);
  lines.push(`samples = ${cols}`, `lines = ${rows}`, `bands = ${bands}`, 'header offset = 0', 'file type = ENVI Standard',
    'data type = 4', 'interleave = bsq', 'byte order = 0');
  if (opts.geo?.mapInfo) lines.push(`map info = ${field(opts.geo.mapInfo)}`);
  if (opts.geo?.projectionInfo) lines.push(`projection info = ${field(opts.geo.projectionInfo)}`);
  if (opts.geo?.coordinateSystemString) lines.push(`coordinate system string = ${field(opts.geo.coordinateSystemString)}`);
  if (opts.ignoreValue !== undefined) lines.push(`data ignore value = ${opts.ignoreValue}`);
  if (opts.bandNames) {
    if (opts.bandNames.length !== bands) throw new DataError('writeEnvi', `band names: expected ${bands}, got ${opts.bandNames.length}`);
    lines.push(`band names = {${opts.bandNames.map((n) => n.replace(/[,{}]/g, ' ')).join(', ')}}`);
  }
  return lines.join('\n') + '\n';
}

/** Header text and raw bytes of `data` (bands × rows × cols, band-sequential like a Cube's data). */
export function writeEnvi(data: Float32Array, rows: number, cols: number, bands = 1, opts: EnviWriteOptions = {}): { hdr: string; img: Uint8Array<ArrayBuffer> } {
  if (!(rows >= 1 && cols >= 1 && bands >= 1) || data.length !== rows * cols * bands) {
    throw new DataError('writeEnvi', `data: expected ${rows}×${cols}×${bands} = ${rows * cols * bands} values, got ${data.length}`);
  }
  const img = new Uint8Array(data.length * 4);
  const view = new DataView(img.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true); // byte order = 0
  return { hdr: enviHeader(rows, cols, bands, opts), img };
}

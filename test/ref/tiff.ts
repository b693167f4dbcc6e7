/**
 * A minimal TIFF writer for tests (TIFF 6.0 spec), independent of the `geotiff` package the
 * reader uses: strips (one, or `rowsPerStrip` rows each) or tiles, chunky or planar samples,
 * uncompressed, Deflate (zlib, fflate's compressor) or LZW (TIFF's MSB-first variant with early
 * code-width change, written here), the horizontal-differencing predictor for integer samples,
 * little- or big-endian, several pages, and an optional GDAL_METADATA (tag 42112) XML string.
 * Real GeoTIFFs are mostly tiled and Deflate- or LZW-compressed, often with a predictor.
 */
import { zlibSync } from 'fflate';
export interface TiffPage {
  rows: number;
  cols: number;
  /** Band-sequential values: bands × rows × cols. */
  bands: number[][];
  type: 'u8' | 'u16' | 'i16' | 'f32' | 'f64';
  planar?: boolean;
  gdalMetadata?: string;
  compression?: 'none' | 'deflate' | 'lzw';
  /** Horizontal differencing (TIFF predictor 2), integer samples only. */
  predictor?: boolean;
  /** Strips of this many rows (default: one strip). */
  rowsPerStrip?: number;
  /** Tiles of this size instead of strips (edge tiles padded, as the spec requires). */
  tile?: { rows: number; cols: number };
}

/** TIFF LZW: codes 9–12 bits MSB first, Clear 256, EOI 257, width grows one code early. */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let nacc = 0;
  let bits = 9;
  const put = (code: number) => {
    acc = (acc << bits) | code;
    nacc += bits;
    while (nacc >= 8) {
      out.push((acc >>> (nacc - 8)) & 0xff);
      nacc -= 8;
    }
    acc &= (1 << nacc) - 1;
  };
  let dict = new Map<string, number>();
  let next = 258;
  // The decoder's table length, mirrored: it adds an entry for every code after the first since
  // a Clear, and widens when length + 1 reaches 2^bits.
  let decLen = 258;
  let sinceClear = 0;
  const emit = (code: number) => {
    put(code);
    if (++sinceClear > 1) decLen++;
    if (decLen + 1 >= 1 << bits && bits < 12) bits++;
  };
  put(256);
  if (data.length === 0) {
    put(257);
  } else {
    let w = String.fromCharCode(data[0]);
    const codeOf = (s: string) => (s.length === 1 ? s.charCodeAt(0) : dict.get(s)!);
    for (let i = 1; i < data.length; i++) {
      const wk = w + String.fromCharCode(data[i]);
      if (dict.has(wk)) {
        w = wk;
        continue;
      }
      emit(codeOf(w));
      if (next >= 4093) {
        put(256);
        dict = new Map();
        next = 258;
        decLen = 258;
        sinceClear = 0;
        bits = 9;
      } else {
        dict.set(wk, next++);
      }
      w = String.fromCharCode(data[i]);
    }
    emit(codeOf(w));
    put(257);
  }
  if (nacc > 0) out.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(out);
}

const TYPES = {
  u8: { bits: 8, format: 1, set: (v: DataView, a: number, x: number) => v.setUint8(a, x) },
  u16: { bits: 16, format: 1, set: (v: DataView, a: number, x: number, l: boolean) => v.setUint16(a, x, l) },
  i16: { bits: 16, format: 2, set: (v: DataView, a: number, x: number, l: boolean) => v.setInt16(a, x, l) },
  f32: { bits: 32, format: 3, set: (v: DataView, a: number, x: number, l: boolean) => v.setFloat32(a, x, l) },
  f64: { bits: 64, format: 3, set: (v: DataView, a: number, x: number, l: boolean) => v.setFloat64(a, x, l) },
};

/** Predictor 2: each sample minus the same sample of the previous pixel in its row, per block row. */
function predict(v: DataView, h: number, w: number, spp: number, type: TiffPage['type'], little: boolean): void {
  if (type === 'f32' || type === 'f64') throw new Error('predict: type: expected integer samples, got ' + type);
  const size = TYPES[type].bits / 8;
  const get = (a: number) => (size === 1 ? v.getUint8(a) : v.getUint16(a, little));
  const put = (a: number, x: number) => (size === 1 ? v.setUint8(a, x & 0xff) : v.setUint16(a, x & 0xffff, little));
  for (let y = 0; y < h; y++) {
    for (let i = w * spp - 1; i >= spp; i--) {
      const a = (y * w * spp + i) * size;
      put(a, get(a) - get(a - spp * size));
    }
  }
}

export function writeTiffRef(pages: TiffPage[], little = true): Uint8Array {
  const buf = new ArrayBuffer(1 << 20);
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  let end = 8;
  const alloc = (n: number): number => {
    const at = end;
    end += n + (n & 1); // keep word alignment
    return at;
  };
  bytes.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  let linkAt = 4; // where the next IFD offset goes
  for (const page of pages) {
    const t = TYPES[page.type];
    const size = t.bits / 8;
    const spp = page.bands.length;
    // Blocks: strips of rowsPerStrip rows (the last one short) or tiles (edge tiles padded),
    // one set for all samples (chunky) or one per band (planar), each predicted and compressed.
    const tile = page.tile;
    const bh = tile ? tile.rows : Math.min(page.rows, page.rowsPerStrip ?? page.rows);
    const bw = tile ? tile.cols : page.cols;
    const across = Math.ceil(page.cols / bw);
    const down = Math.ceil(page.rows / bh);
    const planes = page.planar ? spp : 1;
    const perPixel = page.planar ? 1 : spp;
    const offsets: number[] = [];
    const counts: number[] = [];
    for (let plane = 0; plane < planes; plane++) {
      for (let by = 0; by < down; by++) {
        for (let bx = 0; bx < across; bx++) {
          const h = tile ? bh : Math.min(bh, page.rows - by * bh);
          const raw = new Uint8Array(h * bw * perPixel * size);
          const rv = new DataView(raw.buffer);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < bw; x++) {
              const [r, c] = [by * bh + y, bx * bw + x];
              if (r >= page.rows || c >= page.cols) continue; // padding stays 0
              for (let s = 0; s < perPixel; s++) {
                const band = page.planar ? plane : s;
                t.set(rv, ((y * bw + x) * perPixel + s) * size, page.bands[band][r * page.cols + c], little);
              }
            }
          }
          if (page.predictor) predict(rv, h, bw, perPixel, page.type, little);
          const packed = page.compression === 'deflate' ? zlibSync(raw) : page.compression === 'lzw' ? lzwEncode(raw) : raw;
          const at = alloc(packed.length);
          bytes.set(packed, at);
          offsets.push(at);
          counts.push(packed.length);
        }
      }
    }
    const compression = { none: 1, lzw: 5, deflate: 8 }[page.compression ?? 'none'];
    // [tag, type (3 SHORT, 4 LONG, 2 ASCII), values]
    const entries: [number, number, number[] | string][] = [
      [256, 4, [page.cols]], [257, 4, [page.rows]], [258, 3, Array(spp).fill(t.bits)], [259, 3, [compression]], [262, 3, [1]],
      [277, 3, [spp]], [284, 3, [page.planar ? 2 : 1]], [339, 3, Array(spp).fill(t.format)],
      ...(tile
        ? [[322, 4, [bw]], [323, 4, [bh]], [324, 4, offsets], [325, 4, counts]] as [number, number, number[]][]
        : [[273, 4, offsets], [278, 4, [bh]], [279, 4, counts]] as [number, number, number[]][]),
    ];
    if (page.predictor) entries.push([317, 3, [2]]);
    if (spp > 1) entries.push([338, 3, Array(spp - 1).fill(0)]); // extra samples: unspecified
    if (page.gdalMetadata) entries.push([42112, 2, page.gdalMetadata + '\0']);
    entries.sort((a, b) => a[0] - b[0]);
    const ifd = alloc(2 + 12 * entries.length + 4);
    view.setUint32(linkAt, ifd, little);
    view.setUint16(ifd, entries.length, little);
    entries.forEach(([tag, type, values], k) => {
      const e = ifd + 2 + 12 * k;
      const unit = type === 3 ? 2 : type === 4 ? 4 : 1;
      const count = values.length;
      view.setUint16(e, tag, little);
      view.setUint16(e + 2, type, little);
      view.setUint32(e + 4, count, little);
      const at = unit * count <= 4 ? e + 8 : alloc(unit * count);
      if (at !== e + 8) view.setUint32(e + 8, at, little);
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v === 'string') view.setUint8(at + i, v.charCodeAt(0));
        else if (type === 3) view.setUint16(at + 2 * i, v, little);
        else view.setUint32(at + 4 * i, v, little);
      }
    });
    linkAt = ifd + 2 + 12 * entries.length;
    view.setUint32(linkAt, 0, little);
  }
  return bytes.slice(0, end);
}

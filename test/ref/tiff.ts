/**
 * A minimal baseline TIFF writer for tests (TIFF 6.0 spec), independent of the `geotiff`
 * package the reader uses: uncompressed strips, chunky or planar samples, little- or
 * big-endian, several pages, and an optional GDAL_METADATA (tag 42112) XML string.
 */
export interface TiffPage {
  rows: number;
  cols: number;
  /** Band-sequential values: bands × rows × cols. */
  bands: number[][];
  type: 'u8' | 'u16' | 'i16' | 'f32' | 'f64';
  planar?: boolean;
  gdalMetadata?: string;
}

const TYPES = {
  u8: { bits: 8, format: 1, set: (v: DataView, a: number, x: number) => v.setUint8(a, x) },
  u16: { bits: 16, format: 1, set: (v: DataView, a: number, x: number, l: boolean) => v.setUint16(a, x, l) },
  i16: { bits: 16, format: 2, set: (v: DataView, a: number, x: number, l: boolean) => v.setInt16(a, x, l) },
  f32: { bits: 32, format: 3, set: (v: DataView, a: number, x: number, l: boolean) => v.setFloat32(a, x, l) },
  f64: { bits: 64, format: 3, set: (v: DataView, a: number, x: number, l: boolean) => v.setFloat64(a, x, l) },
};

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
    const planeBytes = page.rows * page.cols * size;
    // Strip data: one strip holding the whole image (chunky) or one per band (planar).
    const strips: number[] = [];
    if (page.planar) {
      for (let b = 0; b < spp; b++) {
        const at = alloc(planeBytes);
        page.bands[b].forEach((x, i) => t.set(view, at + i * size, x, little));
        strips.push(at);
      }
    } else {
      const at = alloc(planeBytes * spp);
      for (let i = 0; i < page.rows * page.cols; i++) for (let b = 0; b < spp; b++) t.set(view, at + (i * spp + b) * size, page.bands[b][i], little);
      strips.push(at);
    }
    const perStrip = page.planar ? planeBytes : planeBytes * spp;
    // [tag, type (3 SHORT, 4 LONG, 2 ASCII), values]
    const entries: [number, number, number[] | string][] = [
      [256, 4, [page.cols]], [257, 4, [page.rows]], [258, 3, Array(spp).fill(t.bits)], [259, 3, [1]], [262, 3, [1]],
      [273, 4, strips], [277, 3, [spp]], [278, 4, [page.rows]], [279, 4, strips.map(() => perStrip)],
      [284, 3, [page.planar ? 2 : 1]], [339, 3, Array(spp).fill(t.format)],
    ];
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

/**
 * Multi-band (Geo)TIFF to a Cube through the `geotiff` package: one image with many samples
 * per pixel (chunky or planar), or a stack of single-band pages of one size (as some
 * hyperspectral tools write). Any sample type geotiff decodes (8–64-bit integers, 32/64-bit
 * floats) and compression it supports is widened to float32. Band wavelengths are taken from
 * GDAL band metadata (`wavelength` items of the GDAL_METADATA tag) when every band has one.
 * The georeferencing tags of the first image are kept verbatim in `cube.geo` (data/geo.ts).
 */
import { fromArrayBuffer, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { DataError, makeCube, type Cube } from './cube.ts';
import { geoFromTiffTags, type GeoReference } from './geo.ts';

export interface TiffReadOptions {
  /** Read this image (page) only, as a multi-sample image; default: detect (see the file comment). */
  image?: number;
  /** Largest cube accepted, in bytes of float32 output (default 2 GiB). */
  maxBytes?: number;
}

function checkMagic(b: Uint8Array, source: string): void {
  const le = b[0] === 0x49 && b[1] === 0x49, be = b[0] === 0x4d && b[1] === 0x4d;
  const version = b.length >= 4 ? (le ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3]) : -1;
  if (b.length < 8 || !(le || be) || (version !== 42 && version !== 43)) {
    throw new DataError(source, `tiff magic: expected 'II*\\0' or 'MM\\0*', got ${JSON.stringify(String.fromCharCode(...b.subarray(0, 4)))}`, 'pass a TIFF file');
  }
}

/**
 * Walks the chain of image directories before geotiff does: geotiff follows next-IFD links
 * without a cycle check, so a file whose link points back loops until memory runs out.
 * Returns the number of pages.
 */
function checkDirectories(b: Uint8Array, source: string): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const little = b[0] === 0x49;
  const big = view.getUint16(2, little) === 43; // BigTIFF: 8-byte offsets and counts, 20-byte entries
  const read = (at: number): number => (big ? Number(view.getBigUint64(at, little)) : view.getUint32(at, little));
  const seen = new Set<number>();
  let at = big ? (b.length >= 16 ? read(8) : -1) : read(4);
  while (at !== 0) {
    const head = big ? 8 : 2;
    const entries = at > 0 && at + head <= b.length ? (big ? read(at) : view.getUint16(at, little)) : -1;
    const end = at + head + entries * (big ? 20 : 12) + (big ? 8 : 4);
    if (entries < 0 || end > b.length) {
      throw new DataError(source, `tiff directory ${seen.size}: expected it within the file's ${b.length} bytes, got offset ${at}`, 'the file is truncated or damaged');
    }
    if (seen.has(at) || seen.size >= 100000) {
      throw new DataError(source, `tiff directory ${seen.size}: expected a chain of directories, got a loop back to offset ${at}`, 'the file is damaged; rewrite it with gdal_translate');
    }
    seen.add(at);
    at = read(end - (big ? 8 : 4));
  }
  return seen.size;
}

/** Runs a geotiff call, turning its errors into DataErrors that name the file. */
async function guarded<T>(source: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(source, `tiff ${what}: ${(e as Error)?.message ?? e}`, 'the file is truncated, damaged, or uses a feature geotiff does not read; convert it with gdal_translate');
  }
}

/** The images that form the cube: one multi-sample image, or all single-sample pages of the first page's size. */
async function cubeImages(tiff: GeoTIFF, source: string, opts: TiffReadOptions): Promise<GeoTIFFImage[]> {
  const count = await guarded(source, 'directory', () => tiff.getImageCount());
  if (opts.image !== undefined) {
    if (!Number.isInteger(opts.image) || opts.image < 0 || opts.image >= count) {
      throw new DataError(source, `image: expected an index in 0..${count - 1}, got ${opts.image}`);
    }
    return [await guarded(source, 'directory', () => tiff.getImage(opts.image))];
  }
  const first = await guarded(source, 'directory', () => tiff.getImage(0));
  if (first.getSamplesPerPixel() > 1 || count === 1) return [first];
  const pages = [first];
  for (let i = 1; i < count; i++) {
    const page = await guarded(source, 'directory', () => tiff.getImage(i));
    // Pages of another size are overviews or masks, not bands.
    if (page.getSamplesPerPixel() === 1 && page.getWidth() === first.getWidth() && page.getHeight() === first.getHeight()) pages.push(page);
  }
  return pages;
}

/** Wavelength of each band from GDAL metadata, or undefined unless all bands have one. */
async function wavelengths(images: GeoTIFFImage[], bands: number): Promise<number[] | undefined> {
  const out: number[] = [];
  for (let b = 0; b < bands; b++) {
    const image = images.length > 1 ? images[b] : images[0];
    const meta = await image.getGDALMetadata(images.length > 1 ? 0 : b).catch(() => null);
    const raw = meta && (meta.wavelength ?? meta.WAVELENGTH ?? meta.Wavelength);
    const v = Number.parseFloat(String(raw));
    if (raw === undefined || raw === null || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

const list = (v: unknown): number[] | undefined => (v && typeof v === 'object' && 'length' in v ? Array.from(v as ArrayLike<number>, Number) : undefined);

/** The image's GeoTIFF tags (data/geo.ts), or undefined when it has none. */
async function georeference(image: GeoTIFFImage): Promise<GeoReference | undefined> {
  const dir = image.getFileDirectory();
  const tag = (id: number): Promise<unknown> => (dir.hasTag(id) ? dir.loadValue(id) : Promise.resolve(undefined));
  const [pixelScale, tiepoint, transformation, keyDirectory, doubleParams, ascii] = await Promise.all([33550, 33922, 34264, 34735, 34736, 34737].map(tag));
  return geoFromTiffTags({
    pixelScale: list(pixelScale), tiepoint: list(tiepoint), transformation: list(transformation),
    keyDirectory: list(keyDirectory), doubleParams: list(doubleParams), asciiParams: typeof ascii === 'string' ? ascii.replace(/\0+$/, '') : undefined, // without the TIFF NUL
  });
}

/** Reads a multi-band TIFF or GeoTIFF into a Cube. */
export async function readTiffCube(bytes: Uint8Array | ArrayBuffer, source = 'image.tif', opts: TiffReadOptions = {}): Promise<Cube> {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  checkMagic(b, source);
  checkDirectories(b, source);
  const buffer = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : b.slice().buffer;
  const tiff = await guarded(source, 'header', () => fromArrayBuffer(buffer));
  const images = await cubeImages(tiff, source, opts);
  const rows = images[0].getHeight(), cols = images[0].getWidth();
  const bands = images.length > 1 ? images.length : images[0].getSamplesPerPixel();
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  if (rows * cols * bands * 4 > maxBytes) {
    throw new DataError(source, `size: ${rows}×${cols}×${bands} float32 needs ${rows * cols * bands * 4} bytes, more than the limit of ${maxBytes}`, 'crop or subsample the raster, or raise maxBytes');
  }
  const plane = rows * cols;
  const data = new Float32Array(bands * plane);
  let band = 0;
  for (const image of images) {
    const rasters = await guarded(source, 'data', () => image.readRasters({ interleave: false }));
    for (let s = 0; s < rasters.length; s++, band++) {
      const r = rasters[s] as ArrayLike<number>;
      if (r.length !== plane) throw new DataError(source, `band ${band}: expected ${plane} values, got ${r.length}`, 'the file is damaged');
      for (let i = 0; i < plane; i++) data[band * plane + i] = Number(r[i]);
    }
  }
  const wl = await wavelengths(images, bands);
  const geo = await guarded(source, 'georeference', () => georeference(images[0]));
  return makeCube(source, rows, cols, bands, data, { ...(wl && { wavelengths: wl }), ...(geo && { geo }) });
}

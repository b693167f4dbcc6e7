/**
 * A plain PNG decoder for tests, written from the PNG specification (ISO/IEC 15948) apart from
 * src/data/png.ts: chunk walk, a bitwise CRC-32 (no table), zlib inflate, and all five
 * scanline filters, for 8-bit greyscale, RGB and RGBA without interlacing. Returns RGB (and the alpha of RGBA).
 */
import { unzlibSync } from 'fflate';

function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** height × width × 3 bytes. */
  rgb: Uint8Array;
  /** height × width bytes of an RGBA picture. */
  alpha?: Uint8Array;
}

export function decodePngRef(png: Uint8Array): DecodedPng {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (sig.some((s, i) => png[i] !== s)) throw new Error('png ref: bad signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0, height = 0, colorType = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + len);
    if (crcBitwise(png.subarray(at + 4, at + 8 + len)) !== view.getUint32(at + 8 + len)) throw new Error(`png ref: bad CRC in ${type}`);
    if (type === 'IHDR') {
      [width, height] = [view.getUint32(at + 8), view.getUint32(at + 12)];
      colorType = body[9];
      if (body[8] !== 8 || body[12] !== 0 || ![0, 2, 6].includes(colorType)) throw new Error('png ref: only 8-bit, non-interlaced grey/RGB/RGBA');
    }
    if (type === 'IDAT') idat.push(body);
    if (type === 'IEND') break;
    at += 12 + len;
  }
  const z = new Uint8Array(idat.reduce((s, p) => s + p.length, 0));
  idat.reduce((o, p) => (z.set(p, o), o + p.length), 0);
  const raw = unzlibSync(z);
  const bpp = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
  const stride = width * bpp;
  const px = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const filter = raw[r * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[r * (stride + 1) + 1 + i];
      const a = i >= bpp ? px[r * stride + i - bpp] : 0;
      const b = r > 0 ? px[(r - 1) * stride + i] : 0;
      const c = i >= bpp && r > 0 ? px[(r - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      px[r * stride + i] = (x + pred) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let ch = 0; ch < 3; ch++) rgb[i * 3 + ch] = px[i * bpp + (bpp === 1 ? 0 : ch)];
  if (bpp !== 4) return { width, height, rgb };
  return { width, height, rgb, alpha: Uint8Array.from({ length: width * height }, (_, i) => px[i * 4 + 3]) };
}

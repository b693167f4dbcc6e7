/**
 * A small RGB raster for the report's figures (colour bar, ROC plot, detection map): filled
 * rectangles, straight lines, pixel-block images and text in a 5 × 7 bitmap font, encoded by
 * data/png.ts. Runs the same in Node and browsers; no plotting library is needed for a few
 * axes and a curve.
 */
import { encodePng } from '../data/png.ts';

export type Rgb = readonly [number, number, number];

// 5 × 7 glyphs, rows top to bottom separated by '/', '#' = ink. Only what the figures print:
// numbers (fixed and exponent notation) and a few axis words; other characters are blank.
const GLYPHS: Record<string, string> = {
  '0': '.###./#...#/#..##/#.#.#/##..#/#...#/.###.', '1': '..#../.##../..#../..#../..#../..#../.###.',
  '2': '.###./#...#/....#/...#./..#../.#.../#####', '3': '####./....#/....#/.###./....#/....#/####.',
  '4': '...#./..##./.#.#./#..#./#####/...#./...#.', '5': '#####/#..../####./....#/....#/#...#/.###.',
  '6': '..##./.#.../#..../####./#...#/#...#/.###.', '7': '#####/....#/...#./..#../.#.../.#.../.#...',
  '8': '.###./#...#/#...#/.###./#...#/#...#/.###.', '9': '.###./#...#/#...#/.####/....#/...#./.##..',
  '.': '...../...../...../...../...../.##../.##..', '-': '...../...../...../#####/...../...../.....',
  '+': '...../..#../..#../#####/..#../..#../.....', 'e': '...../...../.###./#...#/#####/#..../.###.',
  '=': '...../...../#####/...../#####/...../.....', A: '.###./#...#/#...#/#####/#...#/#...#/#...#',
  C: '.###./#...#/#..../#..../#..../#...#/.###.', D: '###../#..#./#...#/#...#/#...#/#..#./###..',
  F: '#####/#..../#..../####./#..../#..../#....', O: '.###./#...#/#...#/#...#/#...#/#...#/.###.',
  P: '####./#...#/#...#/####./#..../#..../#....', R: '####./#...#/#...#/####./#.#../#..#./#...#',
  U: '#...#/#...#/#...#/#...#/#...#/#...#/.###.',
};

export class Canvas {
  readonly rgb: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.rgb = new Uint8Array(width * height * 3);
    this.rect(0, 0, width, height, background);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x), y = Math.round(y);
    if (x >= 0 && x < this.width && y >= 0 && y < this.height) this.rgb.set(c, (y * this.width + x) * 3);
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) {
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.rgb.set(c, (j * this.width + i) * 3);
    }
  }

  /** A straight line (Bresenham), `thick` pixels square per step. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
    [x0, y0, x1, y1] = [x0, y0, x1, y1].map(Math.round);
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const o = Math.floor((thick - 1) / 2);
    for (;;) {
      this.rect(x0 - o, y0 - o, thick, thick, c);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) (err += dy), (x0 += sx);
      if (e2 <= dx) (err += dx), (y0 += sy);
    }
  }

  /** Pixels (rows × cols × 3 bytes) drawn at (x, y), each as a scale × scale block. */
  image(rgb: Uint8Array, rows: number, cols: number, x: number, y: number, scale = 1): void {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) this.rect(x + c * scale, y + r * scale, scale, scale, [rgb[(r * cols + c) * 3], rgb[(r * cols + c) * 3 + 1], rgb[(r * cols + c) * 3 + 2]]);
    }
  }

  /** Text at (x, y) (top left), each font pixel `size` × `size`; unknown characters are blank. */
  text(x: number, y: number, s: string, c: Rgb, size = 1): void {
    [...s].forEach((ch, n) => {
      const g = (GLYPHS[ch] ?? '').replaceAll('/', '');
      for (let k = 0; k < g.length; k++) if (g[k] === '#') this.rect(x + (n * 6 + (k % 5)) * size, y + Math.floor(k / 5) * size, size, size, c);
    });
  }

  png(): Uint8Array<ArrayBuffer> {
    return encodePng(this.rgb, this.height, this.width);
  }
}

/** Width in pixels of `s` drawn by Canvas.text at `size`. */
export const textWidth = (s: string, size = 1): number => Math.max(0, s.length * 6 - 1) * size;

/** A short label for a value: 3 significant digits, exponent form outside [1e-3, 1e5). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2).replace(/\.?0+e/, 'e');
}

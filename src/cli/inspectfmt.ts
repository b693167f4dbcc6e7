/**
 * What `hsi inspect` computes and prints beyond the readers' summaries: aligned tables, numbers
 * rounded for reading, per-band NaN/Inf counts, the classes of a label map, and the CRS.
 */
import { constantBands, type Cube, type LabelMap } from '../data/cube.ts';
import { crsSummary, type GeoReference } from '../data/geo.ts';

/** 4 significant digits below 1e6, whole metres (2 decimals) for map coordinates above; exponent form below 1e-3. */
export function round(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (!Number.isFinite(v) || v === 0 || (Number.isInteger(v) && a < 1e15)) return String(v);
  if (a >= 1e6 && a < 1e15) return String(Number(v.toFixed(2)));
  return a >= 1e-3 ? String(Number(v.toPrecision(4))) : v.toExponential(3).replace(/\.?0+e/, 'e');
}

/** Rows of cells as text columns, each padded to its widest cell, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + cell.length - [...cell].length))).join('  ').trimEnd()).join('\n');
}

/** NaN/Inf count of each band that has any: [band, count] pairs. */
export function nonFiniteByBand(cube: Cube): [number, number][] {
  const plane = cube.rows * cube.cols;
  const out: [number, number][] = [];
  for (let b = 0; b < cube.bands; b++) {
    let n = 0;
    for (let i = b * plane; i < (b + 1) * plane; i++) if (!Number.isFinite(cube.data[i])) n++;
    if (n) out.push([b, n]);
  }
  return out;
}

/** A list cut to `max` items, with how many were left out. */
export function shortList(items: string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length - max} more)`;
}

/** The lines about a cube's bands: constant bands and NaN/Inf per band. */
export function bandLines(cube: Cube): { lines: string[]; constant: number[]; nonFinite: [number, number][] } {
  const constant = constantBands(cube);
  const nonFinite = nonFiniteByBand(cube);
  const lines = [`constant bands: ${constant.length ? `${shortList(constant.map(String))} (no information; z-scores set them to 0)` : 'none'}`];
  if (nonFinite.length) lines.push(`NaN/Inf by band: ${shortList(nonFinite.map(([b, n]) => `band ${b}: ${n}`))}`);
  return { lines, constant, nonFinite };
}

/** Pixels per label value, ascending. */
export function classCounts(map: LabelMap): [number, number][] {
  const counts = new Map<number, number>();
  for (const v of map.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/** A label map in words: anomaly pixels of a 0/1 map, else pixels per class. */
export function mapLine(map: LabelMap): string {
  const counts = classCounts(map);
  const n = map.data.length;
  if (counts.every(([v]) => v === 0 || v === 1)) {
    const a = counts.find(([v]) => v === 1)?.[1] ?? 0;
    return `anomaly map: ${a} anomaly pixels of ${n} (${round((100 * a) / n)} %)`;
  }
  if (counts.length > 64) return `${counts.length} distinct values (too many for class labels)`;
  const labelled = counts.filter(([v]) => v !== 0).length;
  return `label map: ${labelled} classes${counts[0]?.[0] === 0 ? ` and 0 (unlabelled, ${counts[0][1]} px)` : ''}; pixels per class: ${shortList(counts.filter(([v]) => v !== 0).map(([v, c]) => `${v}: ${c}`), 24)}`;
}

/** The CRS line, or none without a georeference. */
export function crsLines(geo: GeoReference | undefined): string[] {
  const crs = crsSummary(geo);
  if (!crs || !geo) return [];
  const name = [crs.epsg !== null ? `EPSG:${crs.epsg}` : '', crs.name ?? ''].filter(Boolean).join(' ');
  const lines = [`CRS: ${name || 'named by the file without a code or citation'}`];
  const t = geo.tiff;
  if (t?.pixelScale && t.tiepoint) lines.push(`grid: origin (${round(t.tiepoint[3])}, ${round(t.tiepoint[4])}), pixel ${round(t.pixelScale[0])} × ${round(t.pixelScale[1])}`);
  if (t?.transformation) lines.push(`grid: affine transformation ${t.transformation.slice(0, 8).map(round).join(' ')}`);
  if (geo.envi?.mapInfo) lines.push(`map info: ${geo.envi.mapInfo}`);
  return lines;
}

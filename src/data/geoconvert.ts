/**
 * A scene's georeference carried across formats, for the common north-up grids: ENVI
 * `map info` to GeoTIFF tags (tie point, pixel size, and GeoKeys when the CRS has an EPSG code:
 * the WKT's own, or UTM / geographic on WGS-84), and GeoTIFF tags to `map info`. A rotated grid
 * or a ModelTransformation is not converted (none is written rather than a wrong one); the
 * same format always gets the input's fields verbatim (data/geo.ts).
 */
import type { EnviGeoFields, GeoTiffTags } from './geo.ts';

const ASCII_TAG = 34737;

/** The items of a `{a, b, c}` header value, trimmed. */
const items = (v: string): string[] => v.replace(/^\s*\{|\}\s*$/g, '').split(',').map((s) => s.trim());

/** The EPSG code ENVI's map info names without a WKT: WGS-84 UTM zones and WGS-84 lat/lon. */
function epsgOfMapInfo(it: string[]): number | undefined {
  const proj = it[0].toLowerCase();
  if (proj === 'utm' && /^wgs-?84$/i.test(it[9] ?? '')) {
    const zone = Number(it[7]);
    if (Number.isInteger(zone) && zone >= 1 && zone <= 60) return (/^s/i.test(it[8] ?? '') ? 32700 : 32600) + zone;
  }
  if (proj === 'geographic lat/lon' && /^wgs-?84$/i.test(it[7] ?? '')) return 4326;
  return undefined;
}

/** GeoTIFF tags for an ENVI map info (north up), or undefined when it is rotated or unreadable. */
export function tiffTagsFromEnvi(envi: EnviGeoFields | undefined, epsg?: number): GeoTiffTags | undefined {
  if (!envi?.mapInfo) return undefined;
  const it = items(envi.mapInfo);
  const [refX, refY, x, y, sx, sy] = it.slice(1, 7).map(Number);
  const rotation = Number(/rotation\s*=\s*([-\d.eE+]+)/i.exec(envi.mapInfo)?.[1] ?? 0);
  if (![refX, refY, x, y, sx, sy].every(Number.isFinite) || rotation !== 0) return undefined;
  // ENVI's reference pixel is 1-based, (1, 1) being the upper-left corner of the first pixel. The
  // tie point is moved to raster (0, 0): some readers (geotiff.js's getOrigin) ignore its raster part.
  const tags: GeoTiffTags = { pixelScale: [sx, sy, 0], tiepoint: [0, 0, 0, x - (refX - 1) * sx, y + (refY - 1) * sy, 0] };
  const code = epsg ?? epsgOfMapInfo(it);
  const citation = `${it[0]}|`;
  const keys = [1024, 0, 1, code === 4326 ? 2 : 1, 1025, 0, 1, 1, 1026, ASCII_TAG, citation.length, 0];
  if (code !== undefined) keys.push(code === 4326 ? 2048 : 3072, 0, 1, code);
  // Without a code the model type is unknown: only the raster type and the projection's name.
  tags.keyDirectory = code !== undefined ? [1, 1, 0, keys.length / 4, ...keys] : [1, 1, 0, 2, ...keys.slice(4)];
  tags.asciiParams = citation;
  return tags;
}

/** ENVI map info for GeoTIFF tags (tie point and pixel size), or undefined without them. */
export function enviFromTiffTags(tags: GeoTiffTags | undefined, epsg?: number): EnviGeoFields | undefined {
  if (!tags?.pixelScale || !tags.tiepoint || tags.transformation) return undefined;
  const [i, j, , x, y] = tags.tiepoint;
  const [sx, sy] = tags.pixelScale;
  const grid = `${i + 1}, ${j + 1}, ${x}, ${y}, ${sx}, ${sy}`;
  if (epsg !== undefined && ((epsg > 32600 && epsg <= 32660) || (epsg > 32700 && epsg <= 32760))) {
    return { mapInfo: `{UTM, ${grid}, ${epsg % 100}, ${epsg > 32700 ? 'South' : 'North'}, WGS-84, units=Meters}` };
  }
  if (epsg === 4326) return { mapInfo: `{Geographic Lat/Lon, ${grid}, WGS-84, units=Degrees}` };
  return { mapInfo: `{Arbitrary, ${grid}}` };
}

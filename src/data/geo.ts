/**
 * Where a scene lies on the ground, as its file stored it, so outputs written from the scene
 * (scores.tif, scores.hdr) open in GIS tools on top of the input. Nothing is reprojected or
 * reinterpreted: GeoTIFF tags and ENVI header fields are kept verbatim and written back in the
 * same format. For summaries and `hsi inspect`, the CRS is also named: an EPSG code when the
 * file gives one, and a citation or WKT.
 */

/** GeoTIFF georeferencing tags as stored (GeoTIFF 1.1, OGC 19-008r4, section 7). */
export interface GeoTiffTags {
  /** ModelPixelScaleTag (33550): [sx, sy, sz]. */
  pixelScale?: number[];
  /** ModelTiepointTag (33922): [i, j, k, x, y, z] per tie point. */
  tiepoint?: number[];
  /** ModelTransformationTag (34264): a 4 × 4 row-major matrix. */
  transformation?: number[];
  /** GeoKeyDirectoryTag (34735): header [1, 1, 0, n] then n × [key, location, count, value]. */
  keyDirectory?: number[];
  /** GeoDoubleParamsTag (34736). */
  doubleParams?: number[];
  /** GeoAsciiParamsTag (34737): '|'-terminated strings the key directory points into. */
  asciiParams?: string;
}

/** ENVI header fields that place the raster (ENVI header format documentation). */
export interface EnviGeoFields {
  /** `map info = {projection, ref x, ref y, easting, northing, x size, y size, …}`. */
  mapInfo?: string;
  /** `coordinate system string = {WKT}`. */
  coordinateSystemString?: string;
  /** `projection info = {…}` (older ENVI projections). */
  projectionInfo?: string;
}

/** A scene's georeference: the source format's own fields, and the CRS named. */
export interface GeoReference {
  tiff?: GeoTiffTags;
  envi?: EnviGeoFields;
  /** EPSG code of the CRS, when the file gives one. */
  epsg?: number;
  /** The CRS in words: a GeoTIFF citation or the ENVI WKT / map info projection name. */
  crs?: string;
}

/** The CRS as the summary records it: `{ epsg, name }`, or null without a georeference. */
export function crsSummary(geo: GeoReference | undefined): { epsg: number | null; name: string | null } | null {
  if (!geo || (!geo.tiff && !geo.envi)) return null;
  return { epsg: geo.epsg ?? null, name: geo.crs ?? null };
}

const PROJECTED_CRS_KEY = 3072; // ProjectedCRSGeoKey
const GEODETIC_CRS_KEY = 2048; // GeodeticCRSGeoKey
const CITATION_KEYS = [1026, 3073, 2049]; // GTCitation, ProjectedCitation, GeodeticCitation

/** The EPSG code a key directory names (projected before geographic), if any. */
export function epsgFromKeys(keys: readonly number[] | undefined): number | undefined {
  if (!keys || keys.length < 4) return undefined;
  for (const want of [PROJECTED_CRS_KEY, GEODETIC_CRS_KEY]) {
    for (let k = 4; k + 3 < keys.length; k += 4) {
      // Location 0: the value is the code itself; 32767 means "user-defined", not an EPSG code.
      if (keys[k] === want && keys[k + 1] === 0 && keys[k + 3] > 0 && keys[k + 3] < 32767) return keys[k + 3];
    }
  }
  return undefined;
}

/** The first citation string the key directory points at in GeoAsciiParams, if any. */
export function citationFromKeys(keys: readonly number[] | undefined, ascii: string | undefined): string | undefined {
  if (!keys || !ascii) return undefined;
  for (const want of CITATION_KEYS) {
    for (let k = 4; k + 3 < keys.length; k += 4) {
      if (keys[k] === want && keys[k + 1] === 34737) {
        const s = ascii.slice(keys[k + 3], keys[k + 3] + keys[k + 2]).replace(/[|\0]+$/, '');
        if (s) return s;
      }
    }
  }
  return undefined;
}

/** A GeoTIFF's georeference from its tags, or undefined when it has none. */
export function geoFromTiffTags(tags: GeoTiffTags): GeoReference | undefined {
  const kept = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== undefined && v.length > 0)) as GeoTiffTags;
  if (!kept.pixelScale && !kept.tiepoint && !kept.transformation && !kept.keyDirectory) return undefined;
  const geo: GeoReference = { tiff: kept };
  const epsg = epsgFromKeys(kept.keyDirectory);
  const crs = citationFromKeys(kept.keyDirectory, kept.asciiParams);
  if (epsg !== undefined) geo.epsg = epsg;
  if (crs !== undefined) geo.crs = crs;
  return geo;
}

/** The EPSG code of a WKT: its outermost AUTHORITY["EPSG", "n"] (the last one in the text). */
export function epsgFromWkt(wkt: string): number | undefined {
  const all = [...wkt.matchAll(/AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]/gi)];
  const outer = all.at(-1);
  // The outermost authority closes the whole WKT: only brackets may follow it.
  if (!outer || !/^[\s\]}]*$/.test(wkt.slice(outer.index! + outer[0].length))) return undefined;
  return Number(outer[1]);
}

/** An ENVI header's georeference from its (lower-cased) fields, or undefined when it has none. */
export function geoFromEnviFields(fields: Record<string, string>): GeoReference | undefined {
  const envi: EnviGeoFields = {};
  if (fields['map info']) envi.mapInfo = fields['map info'];
  if (fields['coordinate system string']) envi.coordinateSystemString = fields['coordinate system string'];
  if (fields['projection info']) envi.projectionInfo = fields['projection info'];
  if (!envi.mapInfo && !envi.coordinateSystemString) return undefined;
  const geo: GeoReference = { envi };
  const wkt = envi.coordinateSystemString?.replace(/^\{|\}$/g, '').trim();
  const epsg = wkt ? epsgFromWkt(wkt) : undefined;
  if (epsg !== undefined) geo.epsg = epsg;
  const name = wkt ? /^[A-Z_]+\s*\[\s*"([^"]+)"/.exec(wkt)?.[1] : envi.mapInfo?.replace(/^\{/, '').split(',')[0].trim();
  if (name) geo.crs = name;
  return geo;
}

/**
 * Colour maps for pictures: the perceptual sequential maps viridis, inferno and magma
 * (van der Walt & Smith, matplotlib 1.5; the data is CC0) and a categorical palette.
 *
 * The 256-entry tables are rebuilt from 17 anchors of matplotlib's published tables
 * (entries 0, 16, …, 240 and 255 of `_cm_listed.py`) by linear interpolation in sRGB; the
 * maps are smooth, so the rebuilt entries stay close to the published ones (viridis[136]
 * is off by 0.0035, near its sharpest bend; test/data/png.test.ts checks non-anchor entries
 * against the published values to 0.01). Anchors are quoted to the table's 6 decimals.
 */
import { OptionError } from '../errors.ts';

export type ColormapName = 'viridis' | 'inferno' | 'magma';

/** Published table index of each anchor. */
const ANCHOR_AT = [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 255];

const ANCHORS: Record<ColormapName, number[][]> = {
  viridis: [
    [0.267004, 0.004874, 0.329415], [0.282327, 0.094955, 0.417331], [0.278826, 0.17549, 0.483397],
    [0.258965, 0.251537, 0.524736], [0.229739, 0.322361, 0.545706], [0.19943, 0.387607, 0.554642],
    [0.172719, 0.448791, 0.557885], [0.149039, 0.508051, 0.55725], [0.127568, 0.566949, 0.550556],
    [0.120638, 0.625828, 0.533488], [0.157851, 0.683765, 0.501686], [0.24607, 0.73891, 0.452024],
    [0.369214, 0.788888, 0.382914], [0.515992, 0.831158, 0.294279], [0.678489, 0.863742, 0.189503],
    [0.845561, 0.887322, 0.099702], [0.993248, 0.906157, 0.143936],
  ],
  inferno: [
    [0.001462, 0.000466, 0.013866], [0.042253, 0.028139, 0.141141], [0.129285, 0.047293, 0.290788],
    [0.238273, 0.036621, 0.396353], [0.3415, 0.062325, 0.429425], [0.441207, 0.099338, 0.431594],
    [0.54092, 0.134729, 0.415123], [0.640135, 0.171438, 0.381065], [0.735683, 0.215906, 0.330245],
    [0.822386, 0.275197, 0.266085], [0.894305, 0.353399, 0.193584], [0.946965, 0.449191, 0.115272],
    [0.978422, 0.557937, 0.034931], [0.987874, 0.675267, 0.065257], [0.974638, 0.797692, 0.206332],
    [0.947594, 0.917399, 0.410665], [0.988362, 0.998364, 0.644924],
  ],
  magma: [
    [0.001462, 0.000466, 0.013866], [0.039608, 0.03109, 0.133515], [0.113094, 0.065492, 0.276784],
    [0.211718, 0.061992, 0.418647], [0.316654, 0.07169, 0.48538], [0.414709, 0.110431, 0.504662],
    [0.512831, 0.148179, 0.507648], [0.613617, 0.181811, 0.498536], [0.716387, 0.214982, 0.47529],
    [0.816914, 0.255895, 0.436461], [0.904281, 0.31961, 0.388137], [0.960949, 0.418323, 0.35963],
    [0.9867, 0.535582, 0.38221], [0.996096, 0.653659, 0.446213], [0.996898, 0.769591, 0.534892],
    [0.99244, 0.88433, 0.640099], [0.987053, 0.991438, 0.749504],
  ],
};

const tables = new Map<ColormapName, Uint8Array>();

/** The 256 × RGB table of a perceptual map, as bytes (built once, then cached). */
export function colormapTable(name: ColormapName): Uint8Array {
  const anchors = ANCHORS[name];
  if (!anchors) throw new OptionError('colormap', `name: expected viridis, inferno or magma, got ${String(name)}`);
  let table = tables.get(name);
  if (table) return table;
  table = new Uint8Array(256 * 3);
  let k = 0;
  for (let i = 0; i < 256; i++) {
    while (ANCHOR_AT[k + 1] < i) k++;
    const t = (i - ANCHOR_AT[k]) / (ANCHOR_AT[k + 1] - ANCHOR_AT[k]);
    for (let ch = 0; ch < 3; ch++) {
      const v = anchors[k][ch] + t * (anchors[k + 1][ch] - anchors[k][ch]);
      table[i * 3 + ch] = Math.round(v * 255);
    }
  }
  tables.set(name, table);
  return table;
}

/**
 * A categorical palette of 24 distinct colours (RGB bytes): Kelly's 20 colours of maximum
 * contrast (his 22 less white and black), then 4 extra hues. Class k gets entry k mod 24.
 */
export const CATEGORICAL: readonly (readonly [number, number, number])[] = [
  [243, 195, 0], [135, 86, 146], [243, 132, 0], [161, 202, 241], [190, 0, 50], [194, 178, 128],
  [132, 132, 130], [0, 136, 86], [230, 143, 172], [0, 103, 165], [249, 147, 121], [96, 78, 151],
  [246, 166, 0], [179, 68, 108], [220, 211, 0], [136, 45, 23], [141, 182, 0], [101, 69, 34],
  [226, 88, 34], [43, 61, 38], [0, 200, 200], [255, 0, 255], [60, 60, 255], [255, 255, 160],
];

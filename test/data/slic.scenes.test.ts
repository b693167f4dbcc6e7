/**
 * SLIC on the real scenes of ../shared/data (Node reads the files, Chromium fetches them):
 * labels identical to scikit-image 0.19.3 run on the same f32 cubes (hashes below, made once:
 * d = loadmat(f)[var].astype(np.float32).astype(float); slic((d / d.max())[:, :, [54, 34, 14]],
 * n_segments=100, channel_axis=2, …) and fnv() below in Python), every label one connected
 * region, and about n_segments of them at skimage's default compactness.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readMat } from '../../src/data/mat.ts';
import { slic } from '../../src/data/slic.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { superpixelProblems } from '../ref/slic.ts';

const test = suite('data/slic scenes');

/** FNV-1a over the low 16 bits of each label, row-major: a stable fingerprint of a label map. */
function fnv(labels: Int32Array): number {
  let h = 0x811c9dc5;
  for (const v of labels) h = Math.imul(h ^ (v & 0xffff), 0x01000193) >>> 0;
  return h;
}

/**
 * skimage 0.19.3 on each scene: [file, S and hash with Super-AD's settings (n_segments 100,
 * compactness 0.01, 1000 rounds), S and hash with skimage's defaults (compactness 10, 10 rounds)].
 * At compactness 0.01 skimage merges most colour fragments (min size 0.5·pixels/seeds), so
 * S is 11–38 on the 100×100 scenes, well under n_segments; at the default compactness S ≈ n.
 */
const SKIMAGE: [string, number, number, number, number][] = [
  ['had/HYDICE-II.mat', 28, 0x18be3671, 73, 0x7136171a],
  ['had/HYDICE_urban_162band.mat', 24, 0x1b44b9ec, 78, 0xb382aff1],
  ['had/Pavia.mat', 12, 0x6999c6a9, 96, 0x2ab8db20],
  ['had/Sandiego.mat', 31, 0x2132831c, 91, 0xc78c768e],
  ['had/abu-airport-2.mat', 32, 0xaf360d2b, 96, 0x99bc0174],
  ['had/abu-beach-2.mat', 16, 0x879dfa6a, 89, 0x43381f69],
  ['had/abu-urban-1.mat', 11, 0x5ba4ae37, 85, 0xae7b69dc],
  ['had/muufl_tgt_det_demo.mat', 22, 0x47e7a9b6, 71, 0xf7b38d62],
  ['clust/Indian_pines_subset85x70.mat', 21, 0xe08b29db, 91, 0xb72c122c],
  ['clust/SalinasA_corrected.mat', 34, 0x54d67ad8, 97, 0x085424e9],
  ['clust/paviaU_subimg50.mat', 38, 0x11ee163b, 77, 0x29e82129],
  ['clust/muufl_class_demo_struct.mat', 122, 0xb10861c8, 127, 0x37da7125],
];

for (const [rel, superS, superHash, defS, defHash] of SKIMAGE) {
  test(`slic on ${rel} equals scikit-image and gives connected superpixels`, async () => {
    const bytes = await sharedData(rel);
    if (!bytes) return skipMissing('data/slic scenes', rel);
    const { cube } = await readMat(bytes, rel);
    const superAd = await slic(cube);
    assert.equal(superpixelProblems(superAd.data, cube.rows, cube.cols, 1), [], `${rel}: Super-AD settings`);
    assert.is(Math.max(...superAd.data), superS, `${rel}: Super-AD settings: superpixel count`);
    assert.is(fnv(superAd.data), superHash, `${rel}: Super-AD settings: labels differ from skimage's`);
    const def = await slic(cube, { compactness: 10, maxIter: 10 });
    assert.equal(superpixelProblems(def.data, cube.rows, cube.cols, 1), [], `${rel}: compactness 10`);
    const s = Math.max(...def.data);
    assert.is(s, defS, `${rel}: compactness 10: superpixel count`);
    assert.is(fnv(def.data), defHash, `${rel}: compactness 10: labels differ from skimage's`);
    // "About n_segments": within 0.6–1.3 × 100 (the 31×20 scene gets more seeds than asked).
    assert.ok(s >= 60 && s <= 130, `${rel}: ${s} superpixels, expected 60..130 for n_segments 100`);
  });
}

test.run();

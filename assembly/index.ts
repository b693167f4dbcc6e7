// CPU preprocessing compiled to WebAssembly. Only src/data/ loads this module; each export
// has a plain-TypeScript twin in test/ref/ that serves as its test reference.
export { bandMoments } from './moments';
export { scaleParams, scaleApply } from './scale';
export { slicLab, slicSegments } from './slic';
export { bandCovariance, symmetricEigen, pcaProject } from './pca';
export { prngWords } from './prng';
export { reflectPad, extractPatches } from './patch';
export { n2vMask } from './n2v';
export { ssccAugment } from './augment';

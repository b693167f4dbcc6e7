/** CPU-side hyperspectral data handling (AssemblyScript/WebAssembly where it pays). */
export { bandMoments, type BandMoments } from './moments.ts';
export { makeCube, DataError, countNonFinite, handleNonFinite, constantBands, type Cube, type LabelMap, type NonFinitePolicy } from './cube.ts';
export { listMatVariables, readMat, readMatMap, describeMat, formatMatSummary, readMatFile, type MatReadOptions, type MatReadResult, type MatMapKind, type MatClass, type MatKind, type MatVariable, type MatVariableSummary } from './mat.ts';
export { writeMat, cubeVariable, mapVariable, type MatData, type MatWriteOptions, type MatVariable as MatWriteVariable } from './matwrite.ts';
export { parseEnviHeader, readEnvi, readEnviFrom, readEnviBlob, blobReader, type EnviHeader, type EnviReadOptions, type ByteReader } from './envi.ts';
export { readTiffCube, type TiffReadOptions } from './tiff.ts';
export { readNpy, writeNpy, npyToCube, type NpyArray, type NpyData } from './npy.ts';
export { encodePng, scoreMapPng, clusterMapPng, falseColourPng, defaultRgbBands, contourPixels, type ScoreMapOptions, type ClusterMapOptions, type FalseColourOptions } from './png.ts';
export { colormapTable, CATEGORICAL, type ColormapName } from './colormap.ts';
export { synthScene, synthMat, SYNTH_DEFAULTS, type SynthOptions, type SynthScene, type SynthTarget } from './synth.ts';
export { reflectPad, extractPatches, labelledCentres, type Patches } from './patch.ts';
export { n2vMask, n2vCount, type N2vOptions, type N2vBatch } from './n2v.ts';
export { ssccAugment, type SsccAugmentOptions, type SsccViews, type ViewPlan } from './augment.ts';
export { scaleCube, type ScaleMode, type Scaled } from './scale.ts';
export { pca, symmetricEigen, type Pca } from './pca.ts';
export { slic, slicComposite, superAdSlic, type SlicOptions } from './slic.ts';

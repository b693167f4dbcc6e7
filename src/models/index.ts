/** Detectors and models built on the engine: RX baselines and BS3LNet; later models join here. */
export { globalRx, sceneStats, bandMeans, whitening, projectPixels, checkFiniteCube, type RxOptions, type SceneStats } from './rx.ts';
export { localRx, LRX_DEFAULTS, type LrxOptions } from './lrx.ts';
export { Bs3lnet, bs3lnetScores, bs3lnetResiduals, type BlindSpot, type Bs3lnetConfig, type ScoreNorm, type ScoreOptions } from './bs3lnet.ts';
export { trainBs3lnet, bs3ResultScores, bs3Settings, BS3_PRESETS, cropShape, MAX_STEP_PIXELS, type Bs3Settings, type Bs3TrainOptions, type Bs3Result, type Preset, type TrainProgress } from './bs3train.ts';
export { pdSplit, pdPart, pdMerge, type PdCube } from './pd.ts';

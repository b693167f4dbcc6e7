/** Detectors and models built on the engine: RX baselines now, learned models as they land. */
export { globalRx, sceneStats, bandMeans, whitening, projectPixels, checkFiniteCube, type RxOptions, type SceneStats } from './rx.ts';
export { localRx, LRX_DEFAULTS, type LrxOptions } from './lrx.ts';

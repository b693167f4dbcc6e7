/**
 * The methods built on the engine, and the registry through which the command line and the app
 * find them: each method is listed once in MODEL_REGISTRY (its entry lives in its own file).
 */
import { OptionError } from '../errors.ts';
import { bs3lnetModel } from './bs3train.ts';
import { lrxModel } from './lrx.ts';
import { rxModel } from './rx.ts';
import { superAdModel } from './superadtrain.ts';
import { ssccModel } from './sscctrain.ts';
import { kmeansModel } from './kmeans.ts';
import type { ModelEntry, Task } from './registry.ts';

export { globalRx, sceneStats, bandMeans, whitening, projectPixels, checkFiniteCube, rxModel, type RxOptions, type SceneStats } from './rx.ts';
export { localRx, LRX_DEFAULTS, lrxModel, type LrxOptions } from './lrx.ts';
export { Bs3lnet, bs3lnetScores, bs3lnetResiduals, type BlindSpot, type Bs3lnetConfig, type ScoreNorm, type ScoreOptions } from './bs3lnet.ts';
export { trainBs3lnet, bs3ResultScores, bs3Settings, bs3lnetModel, BS3_PRESETS, cropShape, MAX_STEP_PIXELS, type Bs3Settings, type Bs3TrainOptions, type Bs3Result, type Preset } from './bs3train.ts';
export { SuperAd, type SuperAdConfig, type SuperAdInput } from './superad.ts';
export { trainSuperAd, superAdScores, superAdInput, superAdSettings, superAdModel, obpmLoss, SUPERAD_PRESETS, type SuperAdSettings, type SuperAdTrainOptions, type SuperAdResult, type SuperAdPreset, type ObpmOptions } from './superadtrain.ts';
export { Sscc, ssccLoss, type SsccConfig, type SsccLossOptions } from './sscc.ts';
export { trainSscc, ssccAssign, ssccSettings, ssccModel, SSCC_PRESETS, type SsccSettings, type SsccTrainOptions, type SsccResult, type SsccPreset, type AssignOptions } from './sscctrain.ts';
export { kmeans, kmeansCube, kmeansModel, type KmeansOptions, type KmeansResult } from './kmeans.ts';
export { pdSplit, pdPart, pdMerge, type PdCube } from './pd.ts';
export { checkOptions, describeOption, type ClusterOutput, type DetectOutput, type ModelEntry, type OptionSpec, type OptionValues, type PassProgress, type RunContext, type RunOutput, type Task } from './registry.ts';

/** Every registered method, in the order help texts list them. */
export const MODEL_REGISTRY: readonly ModelEntry[] = [bs3lnetModel, superAdModel, rxModel, lrxModel, ssccModel, kmeansModel];

/** What each task runs when no model is named. */
export const DEFAULT_MODELS: Readonly<Record<Task, string | null>> = { detect: 'bs3lnet', cluster: 'sscc' };

/** The methods of a task. */
export function modelsFor<T extends Task>(task: T): ModelEntry<T>[] {
  return MODEL_REGISTRY.filter((m): m is ModelEntry<T> => m.task === task);
}

/** The method named `name` (of `task`, when given); an unknown name lists the known ones. */
export function findModel<T extends Task>(name: string, task: T): ModelEntry<T> {
  const m = modelsFor(task).find((e) => e.name === name);
  if (!m) throw new OptionError('model', `expected one of ${modelsFor(task).map((e) => e.name).join(', ')} (task ${task}), got ${name}`);
  return m;
}

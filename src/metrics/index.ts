/** Evaluation metrics (CPU, float64): detection ROC and its 3D-ROC areas; clustering scores. */
export * from './roc.ts';
export * from './cluster.ts';

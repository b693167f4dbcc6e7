/** Evaluation metrics (CPU, float64): detection ROC and its 3D-ROC areas. */
export * from './roc.ts';

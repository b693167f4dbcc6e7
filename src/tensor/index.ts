export { Tensor, Storage, view, empty, shapeSize, fmtShape, type DType, type Shape, type GradNode } from './tensor.ts';
export { scope, keep } from './scope.ts';

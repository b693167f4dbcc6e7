// The public API (src/index.ts, the package's entry) is what README documents and what a user
// plainly needs: the ops, the tensor and autodiff functions, layers and optimizers, the tuning
// functions. Helpers shared between source files and mutable tuning objects stay internal
// (issue 17: `export *` had published drop, roundUp4, plain1x1, unfold, normAxes, contrastiveTuning…).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '../src/index.ts';

const test = suite('index');

const INTERNAL = [
  // ops helpers and plans
  'drop', 'roundUp4', 'plain1x1', 'unfold', 'normAxes', 'reducedShape', 'sumTo', 'patchRows', 'convGeometry', 'useDirect', 'gates',
  'conv2dDirect', 'directInputGrad', 'directWeightGrad', 'directKey', 'directDefault', 'DIRECT_CHOICES', 'withDirectChoice', 'launch', 'pair',
  'elementGrid', 'checkInputs', 'checkFinite', 'checkTargets', 'incrementCount', 'broadcastShapes', 'MAX_PARTIALS', 'matmulKey', 'matmulDefault',
  'subgroupMatmulFits',
  // mutable tuning objects
  'contrastiveTuning', 'scatterTuning',
  // engine internals below the ops
  'registerGradPrimitives', 'buffersOf', 'BufferPool', 'sizeClass', 'wgslConstants', 'ForcedChoice', 'bucket', 'timeCandidates', 'winner',
];

const PUBLIC = [
  'createGpu', 'selfCheck', 'describeGpu', 'version', 'Tensor', 'scope', 'keep', 'backward', 'detach', 'noGrad', 'clearGraph', 'liveGraphNodes',
  'tensor', 'zeros', 'ones', 'full', 'arange', 'rand', 'randn', 'randBits', 'Generator',
  'neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'relu', 'leakyRelu', 'gelu', 'sigmoid', 'tanh', 'clamp',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'where', 'expand',
  'sum', 'mean', 'max', 'min', 'variance', 'argmax', 'argmin', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'matmulWith',
  'reshape', 'flatten', 'squeeze', 'unsqueeze', 'permute', 'transpose', 'slice', 'pad', 'concat', 'stack', 'gather', 'indexSelect', 'scatterAdd',
  'l1Loss', 'mseLoss', 'crossEntropy', 'conv2d', 'conv2dInputGrad', 'conv2dWeightGrad', 'centreMask', 'withConv2dPlan', 'conv2dPlans',
  'avgPool2d', 'maxPool2d', 'adaptiveAvgPool2d', 'batchNorm', 'layerNorm', 'superpixelPool', 'superpixelUnpool', 'segmentSort',
  'obpmThresholds', 'obpmKeepMask', 'adaSelect', 'adaConv', 'ntXent', 'clusterContrastive', 'barlowTwins', 'tuneMatmul', 'tuneConv2d',
  'SGD', 'Adam', 'AdamW', 'StepLR', 'CosineAnnealingLR', 'Module', 'Linear', 'Sequential', 'ReLU', 'Conv2d', 'BlindSpotBlock', 'BatchNorm2d',
  'LayerNorm', 'saveSafetensors', 'loadSafetensors', 'HsiError', 'OptionError', 'GpuError', 'GpuUsageError', 'DataError',
  'withAdaConvPlan', 'adaConvPlans', 'adaConvInputGrad', 'adaConvWeightGrad', 'trainLoop', 'TrainingDivergedError', 'MultiHeadAttention',
  'TransformerBlock', 'BasicBlock', 'Gelu', 'LeakyReLU', 'Dropout', 'MODEL_REGISTRY', 'findModel', 'modelsFor', 'trainSuperAd', 'superAdScores', 'superAdInput',
  'trainSscc', 'ssccAssign', 'kmeans', 'kmeansCube', 'clusterScores', 'hungarian',
];

test('internal helpers and mutable tuning objects are not exported', () => {
  const leaked = INTERNAL.filter((name) => name in api);
  assert.equal(leaked, [], `exported internals: ${leaked.join(', ')}`);
});

test('the documented API is exported', () => {
  const missing = PUBLIC.filter((name) => !(name in api));
  assert.equal(missing, [], `missing: ${missing.join(', ')}`);
});

test.run();

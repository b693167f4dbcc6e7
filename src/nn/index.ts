/** Layers, optimizers, schedules, initialisers and checkpoints (torch.nn / torch.optim counterparts). */
export * from './module.ts';
export * from './optim.ts';
export * from './schedule.ts';
export * from './init.ts';
export * from './safetensors.ts';
export * from './norm.ts';
export * from './adaconv.ts';
export * from './conv.ts';
export * from './activation.ts';
export * from './attention.ts';
export * from './transformer.ts';
export * from './resnet.ts';
export * from './train.ts';

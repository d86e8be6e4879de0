/** Optimizers, each registered under torch's name with mmengine's option names, and the optimizer wrapper. */
export { AdamW, AdamWOptions } from './adamw.js';
export { SGD, SGDOptions } from './sgd.js';
export { Optimizer, type Gradients, type OptimizerStateDict } from './optimizer.js';
export { paramGroups, type ParamGroup, type BaseRates } from './param-groups.js';
export { clipGradNorm, type ClippedGradients } from './clip-grad.js';
export { OptimWrapper, type OptimWrapperOptions, type ClipGradOptions, type UpdateResult } from './optim-wrapper.js';
export { buildOptimWrapper } from './build.js';

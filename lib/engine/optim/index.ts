/** Optimizers, registered under torch's names with mmengine's option names, and the optimizer wrapper. */
import { ConfigError } from '../../config/errors.js';
import { registries } from '../../registry.js';
import { AdamW } from './adamw.js';
import { OptimizerFactory } from './build.js';
import { nesterovProblem, SGD } from './sgd.js';

export { AdamW, type AdamWOptions } from './adamw.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Optimizer, type Gradients, type OptimizerStateDict } from './optimizer.js';
export { paramGroups, type ParamGroup, type BaseRates } from './param-groups.js';
export { clipGradNorm, type ClippedGradients } from './clip-grad.js';
export { OptimWrapper, type OptimWrapperOptions, type ClipGradOptions, type UpdateResult } from './optim-wrapper.js';
export { OptimizerFactory, buildOptimWrapper } from './build.js';

const rate = { type: 'number', minimum: 0 } as const;

interface AdamWConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
}

registries.optimizer.register<AdamWConfig>('AdamW', {
  description: 'Adam with decoupled weight decay, updating exactly as torch.optim.AdamW',
  schema: {
    properties: {
      lr: { ...rate, default: 1e-3 },
      betas: {
        type: 'array',
        items: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        minItems: 2,
        maxItems: 2,
        default: [0.9, 0.999],
      },
      eps: { ...rate, default: 1e-8 },
      weight_decay: { ...rate, default: 0.01 },
      amsgrad: { type: 'boolean', default: false },
    },
  },
  build: (o) =>
    new OptimizerFactory('AdamW', { lr: o.lr, weightDecay: o.weight_decay }, (groups) =>
      new AdamW(groups, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad }),
    ),
});

interface SGDConfig {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
}

registries.optimizer.register<SGDConfig>('SGD', {
  description: 'SGD with momentum, dampening, nesterov and L2 weight decay, exactly as torch.optim.SGD',
  schema: {
    properties: {
      lr: { ...rate, default: 1e-3 },
      momentum: { ...rate, default: 0 },
      dampening: { type: 'number', default: 0 },
      weight_decay: { ...rate, default: 0 },
      nesterov: { type: 'boolean', default: false },
    },
  },
  build: (o, ctx) => {
    const { lr, momentum, dampening, nesterov } = o;
    const options = { lr, momentum, dampening, weightDecay: o.weight_decay, nesterov };
    const problem = nesterovProblem(options);
    if (problem !== undefined) throw ConfigError.at(`${ctx.path}.nesterov`, problem);
    return new OptimizerFactory('SGD', { lr: o.lr, weightDecay: o.weight_decay }, (groups) => new SGD(groups, options));
  },
});

/** Building an `optim_wrapper` config (mmengine's DefaultOptimWrapperConstructor) for a model. */
import type { OptimWrapperConfig } from '../../config/types.js';
import { ConfigError } from '../../config/errors.js';
import type { Module } from '../../nn/module.js';
import { registries as globalRegistries, type Registries } from '../../registry.js';
import type { Optimizer } from './optimizer.js';
import { OptimWrapper } from './optim-wrapper.js';
import { paramGroups, type BaseRates, type ParamGroup } from './param-groups.js';

/**
 * What an `optimizer` config builds: the optimizer's type and base rates, and how to make it once the param groups
 * are known (the paramwise multipliers scale the base rates).
 */
export class OptimizerFactory {
  constructor(
    readonly type: string,
    readonly base: BaseRates,
    readonly create: (groups: ParamGroup[]) => Optimizer,
  ) {}
}

/**
 * Build `cfg` (validated `optim_wrapper`) for the trainable parameters of `model`: the optimizer from
 * `cfg.optimizer`, param groups from `cfg.paramwise_cfg`, then accumulation and clipping.
 */
export function buildOptimWrapper(
  model: Module,
  cfg: OptimWrapperConfig,
  from: Registries = globalRegistries,
): OptimWrapper {
  if (cfg.type !== 'OptimWrapper') {
    throw ConfigError.at('optim_wrapper.type', `'${cfg.type}' is not supported; use 'OptimWrapper' (fp32 training)`);
  }
  const factory = from.optimizer.build(cfg.optimizer, 'optim_wrapper.optimizer');
  if (!(factory instanceof OptimizerFactory)) {
    throw new Error(`optimizer '${cfg.optimizer.type}' did not build an OptimizerFactory`);
  }
  const optimizer = factory.create(paramGroups(model, factory.base, cfg.paramwise_cfg));
  const clip = cfg.clip_grad;
  return new OptimWrapper(optimizer, {
    accumulativeCounts: cfg.accumulative_counts,
    clipGrad: clip ? { maxNorm: clip.max_norm, normType: clip.norm_type } : null,
  });
}

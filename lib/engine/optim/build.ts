/** Building an `optim_wrapper` config (mmengine's DefaultOptimWrapperConstructor) for a model. */
import type { OptimWrapperConfig } from '../../config/types.js';
import { ConfigError } from '../../config/errors.js';
import type { Module } from '../../nn/module.js';
import { registries as globalRegistries, type Registries } from '../../registry.js';
import { OptimWrapper } from './optim-wrapper.js';
import { paramGroups } from './param-groups.js';

/**
 * Build `cfg` (validated `optim_wrapper`) for the trainable parameters of `model`: the optimizer from
 * `cfg.optimizer`, its param groups from `cfg.paramwise_cfg` (multipliers of its own rates), then accumulation and
 * clipping.
 */
export function buildOptimWrapper(
  model: Module,
  cfg: OptimWrapperConfig,
  from: Registries = globalRegistries,
): OptimWrapper {
  if (cfg.type !== 'OptimWrapper') {
    throw ConfigError.at('optim_wrapper.type', `'${cfg.type}' is not supported; use 'OptimWrapper' (fp32 training)`);
  }
  const optimizer = from.optimizer.build(cfg.optimizer, 'optim_wrapper.optimizer');
  for (const group of paramGroups(model, optimizer.defaults, cfg.paramwise_cfg)) optimizer.addParamGroup(group);
  const clip = cfg.clip_grad;
  return new OptimWrapper(optimizer, {
    accumulativeCounts: cfg.accumulative_counts,
    clipGrad: clip ? { maxNorm: clip.max_norm, normType: clip.norm_type } : null,
  });
}

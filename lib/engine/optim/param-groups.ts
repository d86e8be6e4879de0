/**
 * Parameter groups with per-parameter learning-rate and weight-decay multipliers, as mmengine's
 * `DefaultOptimWrapperConstructor.add_params` assigns them from `paramwise_cfg`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ParamwiseConfig } from '../../config/types.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm } from '../../nn/norm.js';

/** Parameters sharing one learning rate and weight decay, as a torch param group. */
export interface ParamGroup {
  /** The parameters with their official names. */
  params: [string, tf.Variable][];
  /** The group's initial learning rate, base lr × lr_mult (mmengine's `initial_lr`); schedules scale it. */
  lr: number;
  weightDecay: number;
}

/** The optimizer's own lr and weight decay, which the multipliers scale. */
export interface BaseRates {
  lr: number;
  weightDecay: number;
}

interface Multipliers {
  lrMult: number;
  decayMult: number;
}

/** Norm layers as mmengine recognises them (`_BatchNorm`, `_InstanceNorm`, `GroupNorm`, `LayerNorm`). */
const NORM_LAYERS = [LayerNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm];

function isNorm(module: Module | undefined): boolean {
  return NORM_LAYERS.some((norm) => module instanceof norm);
}

/**
 * `paramwise_cfg.custom_keys` sorted as mmengine tries them: longest first, then alphabetically.
 */
function sortedKeys(cfg: ParamwiseConfig): string[] {
  return Object.keys(cfg.custom_keys ?? {}).sort().sort((a, b) => b.length - a.length);
}

/**
 * The multipliers of one parameter, with mmengine's precedence:
 * 1. the first custom key contained in `<module path>.<name>` (mmengine matches `.weight` for a root parameter)
 *    decides both multipliers, and nothing else applies;
 * 2. otherwise, a parameter of a norm layer gets `norm_decay_mult` when it is set;
 * 3. otherwise, a parameter named `bias` gets `bias_decay_mult` when it is set (so norm biases get it too when
 *    `norm_decay_mult` is unset).
 */
function multipliersOf(
  cfg: ParamwiseConfig,
  keys: readonly string[],
  modulePath: string,
  name: string,
  norm: boolean,
): Multipliers {
  const dotted = `${modulePath}.${name}`;
  const key = keys.find((k) => dotted.includes(k));
  if (key !== undefined) {
    const custom = cfg.custom_keys![key]!;
    return { lrMult: custom.lr_mult ?? 1, decayMult: custom.decay_mult ?? 1 };
  }
  if (norm && cfg.norm_decay_mult !== undefined) return { lrMult: 1, decayMult: cfg.norm_decay_mult };
  if (name === 'bias' && cfg.bias_decay_mult !== undefined) return { lrMult: 1, decayMult: cfg.bias_decay_mult };
  return { lrMult: 1, decayMult: 1 };
}

/**
 * The trainable parameters of `model` in groups of equal lr and weight decay (in order of first appearance).
 * mmengine makes one group per parameter; merging equal ones changes no update.
 */
export function paramGroups(model: Module, base: BaseRates, cfg: ParamwiseConfig = {}): ParamGroup[] {
  const modules = new Map(model.namedModules());
  const keys = sortedKeys(cfg);
  const groups = new Map<string, ParamGroup>();
  for (const [fullName, variable] of model.trainableParameters()) {
    const dot = fullName.lastIndexOf('.');
    const modulePath = dot < 0 ? '' : fullName.slice(0, dot);
    const name = fullName.slice(dot + 1);
    const { lrMult, decayMult } = multipliersOf(cfg, keys, modulePath, name, isNorm(modules.get(modulePath)));
    const lr = base.lr * lrMult;
    const weightDecay = base.weightDecay * decayMult;
    const id = `${lr}/${weightDecay}`;
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { params: [], lr, weightDecay }));
    group.params.push([fullName, variable]);
  }
  return [...groups.values()];
}

/**
 * mmseg's `init_cfg: {type: 'Pretrained', checkpoint, prefix}` on a backbone: the checkpoint is loaded once the
 * backbone is built from a config. Reading the file is the registries' weight loader's job (`setWeightLoader`,
 * installed by segvit's Node entry), so backbones themselves never touch the file system.
 */
import type { Static } from '@sinclair/typebox';
import { optional } from '../config/declare.js';
import { pretrainedInitCfg } from '../config/schema-parts.js';
import type { Module } from '../nn/module.js';
import type { BuildContext } from '../registry.js';

export const initCfgOption = optional(
  pretrainedInitCfg,
  'a checkpoint loaded after the backbone is built from a config (prefix: take only the keys under it, e.g. backbone.)',
);

/** `model` with the checkpoint of `initCfg` loaded through `ctx`'s weight loader (nothing to do without init_cfg). */
export function applyInitCfg<M extends Module>(model: M, initCfg: Static<typeof initCfgOption> | undefined, ctx: BuildContext): M {
  if (!initCfg) return model;
  if (!ctx.loadWeights) {
    throw new Error(
      `${ctx.path}.init_cfg: loading '${initCfg.checkpoint}' needs a weight loader, which importing 'segvit' ` +
        'installs in Node; elsewhere give the registries one with setWeightLoader',
    );
  }
  ctx.loadWeights(model, initCfg.checkpoint, { prefix: initCfg.prefix });
  return model;
}

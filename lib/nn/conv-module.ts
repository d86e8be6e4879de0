/**
 * mmcv's ConvModule: conv -> norm -> activation, with mmcv's child names (`conv`, `bn` / `gn`, `activate`)
 * so mmseg checkpoints load by name. The conv has a bias only when there is no norm (bias='auto').
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { Conv2d, type ConvOptions } from './conv.js';
import { BatchNorm2d, GroupNorm } from './norm.js';
import { ReLU } from './activation.js';
import { filled, kaimingNormal, reinit } from './init.js';
import type { ActCfg, NormCfg } from '../config/schema-parts.js';

/** mmcv norm_cfg (BN and SyncBN, the same thing on one device, or GN) and act_cfg, as declared for configs. */
export type { ActCfg, NormCfg };

export interface ConvModuleOptions extends Omit<ConvOptions<2>, 'bias'> {
  bias?: boolean | 'auto';
  normCfg?: NormCfg | null;
  actCfg?: ActCfg | null;
}

export class ConvModule extends Module implements Layer {
  readonly conv: Conv2d;
  readonly norm?: Layer;
  readonly activate?: Layer;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvModuleOptions = {}) {
    super();
    const { normCfg = null, actCfg = { type: 'ReLU' }, bias = 'auto', ...conv } = options;
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { ...conv, bias: bias === 'auto' ? !normCfg : bias }));
    if (normCfg?.type === 'GN') {
      if (normCfg.num_groups === undefined) throw new Error("norm_cfg {type: 'GN'} needs num_groups");
      this.norm = this.addModule('gn', new GroupNorm(normCfg.num_groups, outChannels, normCfg.eps));
    } else if (normCfg) {
      this.norm = this.addModule('bn', new BatchNorm2d(outChannels, { eps: normCfg.eps, momentum: normCfg.momentum }));
    }
    if (actCfg) this.activate = this.addModule('activate', new ReLU());
    // mmcv: kaiming_normal (fan_out, relu) on the conv, zero bias.
    const [kh, kw] = this.conv.kernelSize;
    reinit(this.conv.weight, (shape) => kaimingNormal(shape, outChannels * kh * kw));
    if (this.conv.bias) reinit(this.conv.bias, filled(0));
  }

  /** [B, H, W, in] -> [B, H', W', out] */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.normActivate(this.conv.forward(x)));
  }

  /** What follows the conv: the norm, then the activation (for callers that compute the conv another way). */
  normActivate(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const normed = this.norm ? this.norm.forward(y) : y;
      return this.activate ? this.activate.forward(normed) : normed;
    });
  }
}

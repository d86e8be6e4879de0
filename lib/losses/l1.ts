/** Mean absolute depth error over the valid pixels of the batch (pixels without ground truth never count). */
import * as tf from '@tensorflow/tfjs-core';
import { defineOptions, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import { depthInputs, depthLossOptions } from './depth-target.js';
import type { DepthLoss } from './types.js';

export const L1Options = defineOptions(
  'L1Loss',
  'mean absolute depth error over the pixels with ground truth',
  depthLossOptions('loss_l1'),
);
export type L1Options = OptionsInput<typeof L1Options>;

export class L1Loss implements DepthLoss {
  readonly task = 'depth';
  readonly minDepth: number;
  readonly lossWeight: number;
  readonly lossName: string;

  constructor(options: L1Options = {}, ctx?: BuildContext) {
    const o = resolveOptions(L1Options, options, ctx);
    this.minDepth = o.min_depth;
    this.lossWeight = o.loss_weight;
    this.lossName = o.loss_name;
  }

  /** pred: [B, H, W] (or [B, H, W, 1]) depth; target: depth in metres, 0 = none. A scalar, 0 without ground truth. */
  forward(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const { pred: p, target: t, valid } = depthInputs(pred, target, this.minDepth);
      const total = tf.sum(tf.mul(valid, tf.abs(tf.sub(p, t))));
      return tf.mul(tf.div(total, tf.maximum(tf.sum(valid), 1)), this.lossWeight) as tf.Scalar;
    });
  }
}

registries.loss.register('L1Loss', { schema: L1Options, build: (o, ctx) => new L1Loss(o, ctx) });

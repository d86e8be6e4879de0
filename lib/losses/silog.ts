/**
 * The scale-invariant log loss as BTS trains with it (cleinc/bts `silog_loss`; AdaBins and its followers reuse it):
 * with e = ln d − ln d* over the valid pixels of the whole batch,
 *   L = 10 · sqrt(mean e² − λ·(mean e)²),   λ = variance_focus = 0.85.
 * λ = 1 would be the pure scale-invariant error of Eigen et al.; λ < 1 also penalises a global scale error.
 * Differs from mmseg 1.x's SiLogLoss (λ 0.5, per image, no ×10). Predictions are clamped to ≥ 1e-6 before the log
 * (a ReLU head can output 0), and the root is taken of max(·, 1e-12) so a perfect prediction has finite gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import { depthInputs, depthLossOptions } from './depth-target.js';
import type { DepthLoss } from './types.js';

/** Smallest prediction that enters the log. */
const MIN_PRED = 1e-6;
/** Floor of the variance under the root. */
const MIN_VARIANCE = 1e-12;

export const SiLogOptions = defineOptions(
  'SiLogLoss',
  "BTS's scale-invariant log depth loss, 10·sqrt(mean e² − λ(mean e)²) with e = ln pred − ln gt over the batch's " +
    "valid pixels; differs from mmseg 1.x's SiLogLoss (λ 0.5, per image, no ×10)",
  {
    variance_focus: option(Type.Number({ minimum: 0, maximum: 1 }), 0.85, 'λ; 1 = fully scale-invariant'),
    ...depthLossOptions('loss_silog'),
  },
);
export type SiLogOptions = OptionsInput<typeof SiLogOptions>;

export class SiLogLoss implements DepthLoss {
  readonly task = 'depth';
  readonly varianceFocus: number;
  readonly minDepth: number;
  readonly lossWeight: number;
  readonly lossName: string;

  constructor(options: SiLogOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(SiLogOptions, options, ctx);
    this.varianceFocus = o.variance_focus;
    this.minDepth = o.min_depth;
    this.lossWeight = o.loss_weight;
    this.lossName = o.loss_name;
  }

  /** pred: [B, H, W] (or [B, H, W, 1]) depth in metres; target: depth in metres, 0 = none. Returns a scalar. */
  forward(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const { pred: p, target: t, valid } = depthInputs(pred, target, this.minDepth);
      const count = tf.sum(valid);
      const logGt = tf.log(tf.add(t, tf.sub(1, valid)));
      const e = tf.mul(valid, tf.sub(tf.log(tf.maximum(p, MIN_PRED)), logGt));
      const mean = (x: tf.Tensor) => tf.div(tf.sum(x), tf.maximum(count, 1));
      const variance = tf.sub(mean(tf.square(e)), tf.mul(tf.square(mean(e)), this.varianceFocus));
      const loss = tf.mul(tf.sqrt(tf.maximum(variance, MIN_VARIANCE)), 10);
      return tf.mul(tf.where(tf.greater(count, 0), loss, tf.zerosLike(loss)), this.lossWeight) as tf.Scalar;
    });
  }
}

registries.loss.register('SiLogLoss', { schema: SiLogOptions, build: (o, ctx) => new SiLogLoss(o, ctx) });

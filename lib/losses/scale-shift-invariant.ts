/**
 * MiDaS's scale-and-shift-invariant loss (Ranftl et al., TPAMI 2020), for relative depth (DPT, MiDaS):
 * per image, the prediction is aligned to the ground truth over its valid pixels, then compared.
 * - default (L_ssimse, eq. 5): least-squares scale and shift (eq. 4), loss = Σ (s·d + t − d*)² / 2M;
 * - `trimmed` (L_ssitrim, eq. 8): prediction and ground truth each robustly normalised, (x − median) / mean |x −
 *   median|, then Σ |d̂ − d̂*| over the (1 − trim)·M smallest residuals of each image / 2M;
 * plus `alpha` × the multi-scale gradient-matching term on the aligned maps (eq. 11; alpha 0.5, 4 scales).
 * M counts the valid pixels of the whole batch (MiDaS's batch-based reduction). With `inverse_depth` (default, as
 * MiDaS and DPT, which predict inverse depth) the ground truth d* is 1/depth; the prediction is taken as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import { depthInputs, depthLossOptions } from './depth-target.js';
import { gradientMatchingLoss } from './gradient-matching.js';
import { robustNormalize, scaleAndShift, trimMask } from './ssi-alignment.js';
import type { DepthLoss } from './types.js';

export const ScaleShiftInvariantOptions = defineOptions(
  'ScaleShiftInvariantLoss',
  "MiDaS's scale-and-shift-invariant depth loss: per image, the prediction aligned to the ground truth over its valid " +
    'pixels by least squares (Σr²/2M) or robustly (trimmed), plus multi-scale gradient matching; ground truth 0 ' +
    '(or NaN/∞) never contributes',
  {
    inverse_depth: option(Type.Boolean(), true, 'compare with 1/depth (MiDaS, DPT predict inverse depth)'),
    trimmed: option(
      Type.Boolean(),
      false,
      'median / mean-absolute-deviation alignment, absolute residuals, largest `trim` dropped',
    ),
    trim: option(
      Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
      0.2,
      'share of the largest residuals of each image the trimmed variant drops',
    ),
    alpha: option(Type.Number({ minimum: 0 }), 0.5, 'weight of the multi-scale gradient-matching term; 0: none'),
    scales: option(Type.Integer({ minimum: 1 }), 4, 'levels of the gradient-matching term'),
    ...depthLossOptions('loss_ssi'),
  },
);
export type ScaleShiftInvariantOptions = OptionsInput<typeof ScaleShiftInvariantOptions>;

export class ScaleShiftInvariantLoss implements DepthLoss {
  readonly task = 'depth';
  readonly inverseDepth: boolean;
  readonly trimmed: boolean;
  readonly trim: number;
  readonly alpha: number;
  readonly scales: number;
  readonly minDepth: number;
  readonly lossWeight: number;
  readonly lossName: string;

  constructor(options: ScaleShiftInvariantOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(ScaleShiftInvariantOptions, options, ctx);
    this.inverseDepth = o.inverse_depth;
    this.trimmed = o.trimmed;
    this.trim = o.trim;
    this.alpha = o.alpha;
    this.scales = o.scales;
    this.minDepth = o.min_depth;
    this.lossWeight = o.loss_weight;
    this.lossName = o.loss_name;
  }

  /** pred: [B, H, W] (or [B, H, W, 1]) relative (inverse) depth; target: depth in metres, 0 = none. Returns a scalar. */
  forward(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const inputs = depthInputs(pred, target, this.minDepth);
      const shape = inputs.pred.shape;
      const [b, h, w] = shape;
      const flat = (x: tf.Tensor3D) => tf.reshape(x, [b, h * w]) as tf.Tensor2D;
      const valid = flat(inputs.valid);
      const depth = flat(inputs.target);
      // 1/depth where valid, 0 elsewhere (depth is 0 there: 0 / 1)
      const gt: tf.Tensor2D = this.inverseDepth ? tf.div(valid, tf.add(depth, tf.sub(1, valid))) : depth;
      const [aligned, reference, data] = this.trimmed
        ? this.trimmedTerm(flat(inputs.pred), gt, valid)
        : this.leastSquaresTerm(flat(inputs.pred), gt, valid);
      let loss = tf.div(data, tf.maximum(tf.mul(tf.sum(valid), 2), 1));
      if (this.alpha > 0) {
        const grid = (x: tf.Tensor2D) => tf.reshape(x, shape) as tf.Tensor3D;
        const matching = gradientMatchingLoss(grid(aligned), grid(reference), inputs.valid, this.scales);
        loss = tf.add(loss, tf.mul(matching, this.alpha));
      }
      return tf.mul(loss, this.lossWeight) as tf.Scalar;
    });
  }

  /** Least-squares aligned prediction, the ground truth, and Σ squared residuals. */
  private leastSquaresTerm(pred: tf.Tensor2D, gt: tf.Tensor2D, valid: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Scalar] {
    const { scale, shift } = scaleAndShift(pred, gt, valid);
    const aligned: tf.Tensor2D = tf.add(tf.mul(scale, pred), shift);
    return [aligned, gt, tf.sum(tf.mul(valid, tf.square(tf.sub(aligned, gt))))];
  }

  /** Robustly normalised prediction and ground truth, and Σ of the kept absolute residuals. */
  private trimmedTerm(pred: tf.Tensor2D, gt: tf.Tensor2D, valid: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Scalar] {
    const aligned = robustNormalize(pred, valid);
    const reference = robustNormalize(gt, valid);
    const residual = tf.abs(tf.sub(aligned, reference)) as tf.Tensor2D;
    return [aligned, reference, tf.sum(tf.mul(trimMask(residual, valid, this.trim), residual))];
  }
}

registries.loss.register('ScaleShiftInvariantLoss', {
  schema: ScaleShiftInvariantOptions,
  build: (o, ctx) => new ScaleShiftInvariantLoss(o, ctx),
});

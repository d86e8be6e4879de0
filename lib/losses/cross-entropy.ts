/**
 * mmseg's CrossEntropyLoss (softmax): per-pixel CE with `ignore_index`, optional `class_weight` (a pixel's loss
 * times the weight of its class), then the mean over ALL pixels (ignored ones count in the denominator, mmseg's
 * default) or, with `avg_non_ignore`, over the non-ignored pixels; times `loss_weight`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, nullable, option, optional, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import type { SegLabels, SegLogits } from './types.js';

export const CrossEntropyOptions = defineOptions(
  'CrossEntropyLoss',
  "softmax cross-entropy with ignore_index and class weights; the mean counts ignored pixels unless avg_non_ignore, as mmseg's",
  {
    use_sigmoid: option(constant(false), false, 'only false: softmax over the classes'),
    use_mask: optional(constant(false), 'only false'),
    reduction: option(constant('mean'), 'mean', 'only mean'),
    class_weight: option(nullable(Type.Array(Type.Number({ minimum: 0 }))), null, "factor on each class's pixels; null: 1"),
    loss_weight: option(Type.Number({ minimum: 0 }), 1, 'factor on the loss'),
    avg_non_ignore: option(Type.Boolean(), false, 'average over the non-ignored pixels only, not over all'),
    loss_name: option(Type.String({ pattern: '^loss' }), 'loss_ce', 'key of the loss in the losses dict'),
  },
);
export type CrossEntropyOptions = OptionsInput<typeof CrossEntropyOptions>;

/** float32 epsilon, added to the denominator as mmseg's weight_reduce_loss does. */
const EPS = 1.1920928955078125e-7;

export class CrossEntropyLoss {
  readonly classWeight: number[] | null;
  readonly lossWeight: number;
  readonly avgNonIgnore: boolean;
  readonly lossName: string;

  constructor(options: CrossEntropyOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(CrossEntropyOptions, options, ctx);
    this.classWeight = o.class_weight;
    this.lossWeight = o.loss_weight;
    this.avgNonIgnore = o.avg_non_ignore;
    this.lossName = o.loss_name;
  }

  /**
   * logits [B, (D,) H, W, K]; label [B, (D,) H, W] int32 class ids, `ignoreIndex` where unlabelled. Returns a scalar.
   */
  forward(logits: SegLogits, label: SegLabels, ignoreIndex = 255): tf.Scalar {
    return tf.tidy(() => {
      const k = logits.shape[logits.rank - 1]!;
      if (this.classWeight && this.classWeight.length !== k) {
        throw new Error(`class_weight has ${this.classWeight.length} entries but the head predicts ${k} classes`);
      }
      const valid = tf.notEqual(label, ignoreIndex);
      const safe = tf.where(valid, label, tf.zerosLike(label));
      const oneHot = tf.reshape(tf.oneHot(tf.reshape(safe, [-1]), k), [...label.shape, k]);
      let pixel = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), -1));
      if (this.classWeight) pixel = tf.mul(pixel, tf.gather(tf.tensor1d(this.classWeight), safe));
      pixel = tf.mul(pixel, tf.cast(valid, 'float32'));
      const total = tf.sum(pixel);
      const loss = this.avgNonIgnore
        ? tf.div(total, tf.add(tf.sum(tf.cast(valid, 'float32')), EPS))
        : tf.div(total, label.size);
      return tf.mul(loss, this.lossWeight) as tf.Scalar;
    });
  }
}

/** Pixel accuracy in percent over non-ignored pixels (mmseg's `accuracy`, reported as acc_seg). */
export function pixelAccuracy(logits: SegLogits, label: SegLabels, ignoreIndex = 255): tf.Scalar {
  return tf.tidy(() => {
    const valid = tf.cast(tf.notEqual(label, ignoreIndex), 'float32');
    const correct = tf.mul(tf.cast(tf.equal(tf.argMax(logits, -1), label), 'float32'), valid);
    return tf.mul(tf.div(tf.sum(correct), tf.maximum(tf.sum(valid), 1)), 100) as tf.Scalar;
  });
}

registries.loss.register('CrossEntropyLoss', {
  schema: CrossEntropyOptions,
  build: (o, ctx) => new CrossEntropyLoss(o, ctx),
});

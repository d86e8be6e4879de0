/**
 * The soft Dice loss of TransUNet and HiFormer (utils.py `DiceLoss`, called with softmax=True): softmax over the
 * classes, then per class c over the whole batch 1 − (2·Σ p_c·g_c + smooth) / (Σ p_c² + Σ g_c² + smooth), with g_c
 * the one-hot labels, times the class weight, summed and divided by the number of classes; times `loss_weight`.
 * Background counts as a class. Pixels labelled `ignore_index` leave every sum (the official code has no ignore
 * label; there they would add their probabilities to Σ p²).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import type { SegLabels, SegLogits } from './types.js';

export const DiceOptions = defineOptions(
  'DiceLoss',
  "soft Dice over softmax probabilities, per class (background included) over the whole batch, averaged over classes, as TransUNet's and HiFormer's",
  {
    smooth: option(Type.Number({ minimum: 0 }), 1e-5, 'added to the numerator and the denominator of each class'),
    class_weight: option(nullable(Type.Array(Type.Number({ minimum: 0 }))), null, "factor on each class's term; null: 1"),
    loss_weight: option(Type.Number({ minimum: 0 }), 1, 'factor on the loss'),
    loss_name: option(Type.String({ pattern: '^loss' }), 'loss_dice', 'key of the loss in the losses dict'),
  },
);
export type DiceOptions = OptionsInput<typeof DiceOptions>;

export class DiceLoss {
  readonly smooth: number;
  readonly classWeight: number[] | null;
  readonly lossWeight: number;
  readonly lossName: string;

  constructor(options: DiceOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(DiceOptions, options, ctx);
    this.smooth = o.smooth;
    this.classWeight = o.class_weight;
    this.lossWeight = o.loss_weight;
    this.lossName = o.loss_name;
  }

  /** logits [B, (D,) H, W, K]; label [B, (D,) H, W] int32 class ids, `ignoreIndex` where unlabelled. Returns a scalar. */
  forward(logits: SegLogits, label: SegLabels, ignoreIndex = 255): tf.Scalar {
    return tf.tidy(() => {
      const k = logits.shape[logits.rank - 1]!;
      if (this.classWeight && this.classWeight.length !== k) {
        throw new Error(`DiceLoss.class_weight has ${this.classWeight.length} entries but the head predicts ${k} classes`);
      }
      const valid = tf.notEqual(label, ignoreIndex);
      const probs = tf.reshape(tf.mul(tf.softmax(logits), tf.expandDims(tf.cast(valid, 'float32'), -1)), [-1, k]); // [N, K]
      const classes = tf.where(valid, label, tf.fill(label.shape, -1, 'int32')); // -1: an all-zero one-hot row
      const oneHot = tf.oneHot(tf.reshape(classes, [-1]), k); // [N, K]
      const intersect = tf.sum(tf.mul(probs, oneHot), 0);
      const denominator = tf.add(tf.add(tf.sum(tf.square(probs), 0), tf.sum(oneHot, 0)), this.smooth);
      let perClass = tf.sub(1, tf.div(tf.add(tf.mul(intersect, 2), this.smooth), denominator)); // [K]
      if (this.classWeight) perClass = tf.mul(perClass, tf.tensor1d(this.classWeight));
      return tf.mul(tf.div(tf.sum(perClass), k), this.lossWeight) as tf.Scalar;
    });
  }
}

registries.loss.register('DiceLoss', { schema: DiceOptions, build: (o, ctx) => new DiceLoss(o, ctx) });

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
import { checkpoint } from '../nn/checkpoint.js';
import { interpolate } from '../nn/resize.js';
import { noGrad } from './no-grad.js';
import { SOFTMAX_CE, SOFTMAX_CE_GRAD } from '../kernels/softmax-ce.js';

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

/** A pixel sum's value and its logits' gradient (times dy), from logits and int32 labels. */
interface PixelSumTerms {
  loss(z: tf.Tensor, ids: tf.Tensor): tf.Scalar;
  gradient(z: tf.Tensor, ids: tf.Tensor, dy: tf.Tensor): tf.Tensor;
}

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
    return tf.tidy(() => tf.mul(tf.div(this.pixelSum(logits, label, ignoreIndex), this.denominator(label, ignoreIndex)), this.lossWeight));
  }

  /**
   * Σ over pixels of (class weight ·) CE, ignored pixels left out; `forward` divides it by `denominator`. Its
   * gradient keeps only the logits: (softmax − one-hot) · weight is recomputed in the backward, so no one-hot or
   * log-softmax [B, H, W, K] stays alive until the backward. On cpu and wasm, segvit's single-pass kernels compute
   * both without any [B, H, W, K] temporary.
   */
  pixelSum(logits: SegLogits, label: SegLabels, ignoreIndex = 255): tf.Scalar {
    const k = logits.shape[logits.rank - 1]!;
    if (this.classWeight && this.classWeight.length !== k) {
      throw new Error(`class_weight has ${this.classWeight.length} entries but the head predicts ${k} classes`);
    }
    const fused = logits.dtype === 'float32' && tf.getKernel(SOFTMAX_CE, tf.getBackend()) !== undefined;
    const terms = fused ? this.#kernelTerms(k, ignoreIndex) : this.#opTerms(k, ignoreIndex);
    // the labels are an input too, so that they are kept for the backward (their gradient is 0)
    const sum = tf.customGrad((z, labels, save) => {
      (save as tf.GradSaveFunc)([z as tf.Tensor, labels as tf.Tensor]);
      const value = tf.tidy(() => terms.loss(z as tf.Tensor, labels as tf.Tensor));
      const gradFunc = (dy: tf.Tensor, [savedZ, savedLabels]: tf.Tensor[]) =>
        tf.tidy(() => [terms.gradient(savedZ, savedLabels, dy), tf.zerosLike(savedLabels)]);
      return { value, gradFunc };
    });
    return sum(logits, label) as tf.Scalar;
  }

  /** Each pixel's weight: its class weight, 0 where ignored (`safe`: the ids, 0 there). */
  #pixelWeight(valid: tf.Tensor, safe: tf.Tensor): tf.Tensor {
    const weight = tf.cast(valid, 'float32');
    return this.classWeight ? tf.mul(weight, tf.gather(tf.tensor1d(this.classWeight), safe)) : weight;
  }

  /** The loss and its logits' gradient as tf ops: one-hot [..., K] of the labels times log-softmax or softmax. */
  #opTerms(k: number, ignoreIndex: number): PixelSumTerms {
    const targets = (ids: tf.Tensor) => {
      const valid = tf.notEqual(ids, ignoreIndex);
      const safe = tf.where(valid, ids, tf.zerosLike(ids));
      const oneHot = tf.reshape(tf.oneHot(tf.reshape(safe, [-1]), k), [...ids.shape, k]);
      return { oneHot, weight: tf.expandDims(this.#pixelWeight(valid, safe), -1) };
    };
    return {
      loss: (z, ids) => {
        const { oneHot, weight } = targets(ids);
        return tf.neg(tf.sum(tf.mul(tf.mul(tf.logSoftmax(z), oneHot), weight))) as tf.Scalar;
      },
      gradient: (z, ids, dy) => {
        const { oneHot, weight } = targets(ids);
        return tf.mul(tf.mul(tf.sub(tf.softmax(z), oneHot), weight), dy);
      },
    };
  }

  /** The loss and its logits' gradient by segvit's kernels, on logits as [pixels, K] and float ids (−1: ignored). */
  #kernelTerms(k: number, ignoreIndex: number): PixelSumTerms {
    const targets = (ids: tf.Tensor) => {
      const flat = tf.reshape(ids, [-1]);
      const valid = tf.notEqual(flat, ignoreIndex);
      const safe = tf.where(valid, flat, tf.zerosLike(flat));
      const target = tf.where(valid, tf.cast(flat, 'float32'), tf.fill(flat.shape, -1));
      return { target, weight: this.#pixelWeight(valid, safe) };
    };
    const rows = (z: tf.Tensor) => tf.reshape(z, [-1, k]);
    return {
      loss: (z, ids) => {
        const { target, weight } = targets(ids);
        return tf.sum(tf.mul(tf.engine().runKernel(SOFTMAX_CE, { z: rows(z), target }) as tf.Tensor, weight)) as tf.Scalar;
      },
      gradient: (z, ids, dy) => {
        const { target, weight } = targets(ids);
        const dz = tf.engine().runKernel(SOFTMAX_CE_GRAD, { z: rows(z), target, scale: tf.mul(weight, dy) }) as tf.Tensor;
        return tf.reshape(dz, z.shape);
      },
    };
  }

  /** What the pixel sum is divided by: every pixel, or (avg_non_ignore) the non-ignored ones. */
  denominator(label: SegLabels, ignoreIndex = 255): tf.Scalar {
    return tf.tidy(() =>
      this.avgNonIgnore ? tf.add(tf.sum(tf.cast(tf.notEqual(label, ignoreIndex), 'float32')), EPS) : tf.scalar(label.size),
    );
  }
}

/**
 * `loss` (CE) of logits [B, h, w, K] resized to the labels' [B, H, W], sample by sample, each sample's resize and
 * CE recomputed in the backward: at full resolution the resized logits and their softmax are the largest tensors
 * of a training step, and this way none of them outlives its sample's loss. The same value as resizing first.
 */
export function resizedCrossEntropy(
  loss: CrossEntropyLoss,
  logits: tf.Tensor4D,
  label: tf.Tensor3D,
  ignoreIndex: number,
  alignCorners: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    const size: [number, number] = [label.shape[1], label.shape[2]];
    const sums = Array.from({ length: logits.shape[0] }, (_, b) => {
      const sample = tf.slice(logits, [b, 0, 0, 0], [1, -1, -1, -1]);
      // the labels are sliced inside: the recompute runs after this scope has ended
      const sampleLoss = (z: tf.Tensor4D) =>
        loss.pixelSum(interpolate(z, { size, alignCorners }), tf.slice(label, [b, 0, 0], [1, -1, -1]), ignoreIndex);
      return checkpoint(sampleLoss, sample, []);
    });
    return tf.mul(tf.div(tf.addN(sums), loss.denominator(label, ignoreIndex)), loss.lossWeight) as tf.Scalar;
  });
}

/** pixelAccuracy of logits [B, h, w, K] resized to the labels' size, sample by sample, outside the gradient. */
export function resizedAccuracy(logits: tf.Tensor4D, label: tf.Tensor3D, ignoreIndex: number, alignCorners: boolean): tf.Scalar {
  const size: [number, number] = [label.shape[1], label.shape[2]];
  return noGrad(
    (z) =>
      tf.tidy(() => {
        // one sample's resized logits at a time
        const counts = Array.from({ length: z.shape[0]! }, (_, b) =>
          tf.tidy(() => {
            const resized = interpolate(tf.slice(z as tf.Tensor4D, [b, 0, 0, 0], [1, -1, -1, -1]), { size, alignCorners });
            return correctPixels(resized, tf.slice(label, [b, 0, 0], [1, -1, -1]), ignoreIndex);
          }),
        );
        return percentOfValid(tf.addN(counts), label, ignoreIndex);
      }),
    logits,
  );
}

/** Pixel accuracy in percent over non-ignored pixels (mmseg's `accuracy`, reported as acc_seg). */
export function pixelAccuracy(logits: SegLogits, label: SegLabels, ignoreIndex = 255): tf.Scalar {
  return tf.tidy(() => percentOfValid(correctPixels(logits, label, ignoreIndex), label, ignoreIndex));
}

/** Number of non-ignored pixels whose argmax is their label. */
function correctPixels(logits: SegLogits, label: SegLabels, ignoreIndex: number): tf.Scalar {
  const valid = tf.cast(tf.notEqual(label, ignoreIndex), 'float32');
  return tf.sum(tf.mul(tf.cast(tf.equal(tf.argMax(logits, -1), label), 'float32'), valid));
}

/** `count` in percent of the non-ignored pixels of `label` (0 when there are none). */
function percentOfValid(count: tf.Scalar, label: SegLabels, ignoreIndex: number): tf.Scalar {
  const valid = tf.sum(tf.cast(tf.notEqual(label, ignoreIndex), 'float32'));
  return tf.mul(tf.div(count, tf.maximum(valid, 1)), 100);
}

registries.loss.register('CrossEntropyLoss', {
  schema: CrossEntropyOptions,
  build: (o, ctx) => new CrossEntropyLoss(o, ctx),
});

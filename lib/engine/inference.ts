/**
 * Test-time inference of a segmentation model as mmseg: the model's own test-mode logits (its test_cfg: whole or
 * slide), optional horizontal flip and multi-scale augmentation (softmax outputs averaged, as mmseg 0.x's aug_test),
 * and logits resized back to the original image size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { interpolate } from '../nn/resize.js';
import type { Segmentor } from '../segmentors/types.js';

export interface AugOptions {
  /** Also run the horizontally flipped image. */
  flip?: boolean;
  /** Resize ratios of the input (1 = as given). */
  scales?: number[];
  /** Volumes: also the 7 mirrored versions of each window (flips of D, H, W), as nnU-Net. */
  mirror?: boolean;
}

/** mmseg's multi-scale + flip test-time augmentation (`--aug-test`). */
export const MS_FLIP_AUG: AugOptions = { flip: true, scales: [0.5, 0.75, 1.0, 1.25, 1.5, 1.75] };

/**
 * Class probabilities [B, oh, ow, K] at the original size `oriShape`, averaged over the augmentations, of a
 * segmentation model (`predict` gives logits). img: preprocessed [B, H, W, C]; when the data preprocessor padded it (size_divisor), `unpadded` is its size before
 * padding: the logits of the padding are cropped off before the resize to `oriShape`, as mmseg's postprocess does.
 */
export function predictProbabilities(
  model: Segmentor,
  img: tf.Tensor4D,
  oriShape: [number, number],
  aug: AugOptions = {},
  unpadded?: [number, number],
): tf.Tensor4D {
  const alignCorners = model.decodeHead.alignCorners;
  const scales = aug.scales ?? [1];
  const flips = aug.flip ? [false, true] : [false];
  let sum: tf.Tensor4D | undefined;
  for (const scale of scales) {
    for (const flip of flips) {
      const probs = tf.tidy(() => {
        const [, h, w] = img.shape;
        let x = scale === 1 ? img : interpolate(img, { size: [Math.round(h * scale), Math.round(w * scale)], alignCorners });
        if (flip) x = tf.reverse(x, 2);
        let logits = model.predict(x) as tf.Tensor4D;
        if (flip) logits = tf.reverse(logits, 2);
        if (unpadded) logits = cropPadding(logits, img.shape, unpadded);
        return tf.softmax(interpolate(logits, { size: oriShape, alignCorners })) as tf.Tensor4D;
      });
      const next: tf.Tensor4D = sum ? tf.add(sum, probs) : probs;
      if (sum) tf.dispose([sum, probs]);
      sum = next;
    }
  }
  const result = tf.div(sum!, scales.length * flips.length) as tf.Tensor4D;
  sum!.dispose();
  return result;
}

/** The part of `logits` (of an image resized from a `padded` batch) that covers the `unpadded` area. */
function cropPadding(logits: tf.Tensor4D, padded: number[], [uh, uw]: [number, number]): tf.Tensor4D {
  const [, lh, lw] = logits.shape;
  const [, ph, pw] = padded as [number, number, number];
  if (uh === ph && uw === pw) return logits;
  return tf.slice(logits, [0, 0, 0, 0], [-1, Math.round((uh * lh) / ph), Math.round((uw * lw) / pw), -1]);
}

/** Class ids [B, oh, ow] (int32) at the original size. */
export function predictLabels(
  model: Segmentor,
  img: tf.Tensor4D,
  oriShape: [number, number],
  aug: AugOptions = {},
  unpadded?: [number, number],
): tf.Tensor3D {
  return tf.tidy(() => tf.argMax(predictProbabilities(model, img, oriShape, aug, unpadded), -1) as tf.Tensor3D);
}

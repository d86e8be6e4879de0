/**
 * Test-time inference as mmseg: `whole` (one pass) or `slide` (overlapping crops whose logits are summed into a
 * canvas and divided by a count map), optional horizontal flip and multi-scale augmentation (softmax outputs
 * averaged, as mmseg 0.x's aug_test), and logits resized back to the original image size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { interpolate } from '../nn/resize.js';
import type { EncoderDecoder, TestCfg } from '../segmentors/encoder-decoder.js';

export interface AugOptions {
  /** Also run the horizontally flipped image. */
  flip?: boolean;
  /** Resize ratios of the input (1 = as given). */
  scales?: number[];
}

/** mmseg's multi-scale + flip test-time augmentation (`--aug-test`). */
export const MS_FLIP_AUG: AugOptions = { flip: true, scales: [0.5, 0.75, 1.0, 1.25, 1.5, 1.75] };

/** Window starts along one axis, as mmseg's slide_inference: the last window is pushed back inside. */
export function slideWindows(size: number, crop: number, stride: number): [number, number][] {
  const grids = Math.floor(Math.max(size - crop + stride - 1, 0) / stride) + 1;
  return Array.from({ length: grids }, (_, i) => {
    const end = Math.min(i * stride + crop, size);
    return [Math.max(end - crop, 0), end] as [number, number];
  });
}

function slideLogits(model: EncoderDecoder, img: tf.Tensor4D, crop: [number, number], stride: [number, number]): tf.Tensor4D {
  const [b, h, w] = img.shape;
  const k = model.numClasses;
  let canvas: tf.Tensor4D = tf.zeros([b, h, w, k]);
  const count = new Float32Array(h * w);
  for (const [y1, y2] of slideWindows(h, crop[0], stride[0])) {
    for (const [x1, x2] of slideWindows(w, crop[1], stride[1])) {
      const next = tf.tidy(() => {
        const logits = model.encodeDecode(tf.slice(img, [0, y1, x1, 0], [b, y2 - y1, x2 - x1, -1]));
        return tf.add(canvas, tf.pad(logits, [[0, 0], [y1, h - y2], [x1, w - x2], [0, 0]])) as tf.Tensor4D;
      });
      canvas.dispose();
      canvas = next;
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) count[y * w + x] += 1;
    }
  }
  return tf.tidy(() => tf.div(canvas, tf.tensor4d(count, [1, h, w, 1])) as tf.Tensor4D);
}

/** Logits [B, H, W, K] of preprocessed images at their own size. */
export function inferLogits(model: EncoderDecoder, img: tf.Tensor4D, cfg: TestCfg): tf.Tensor4D {
  return cfg.mode === 'slide' ? slideLogits(model, img, cfg.crop_size, cfg.stride) : model.encodeDecode(img);
}

/**
 * Class probabilities [B, oh, ow, K] at the original size `oriShape`, averaged over the augmentations.
 * img: preprocessed [B, H, W, C]; when the data preprocessor padded it (size_divisor), `unpadded` is its size before
 * padding: the logits of the padding are cropped off before the resize to `oriShape`, as mmseg's postprocess does.
 */
export function predictProbabilities(
  model: EncoderDecoder,
  img: tf.Tensor4D,
  oriShape: [number, number],
  cfg: TestCfg,
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
        let logits = inferLogits(model, x, cfg);
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
  model: EncoderDecoder,
  img: tf.Tensor4D,
  oriShape: [number, number],
  cfg: TestCfg,
  aug: AugOptions = {},
  unpadded?: [number, number],
): tf.Tensor3D {
  return tf.tidy(() => tf.argMax(predictProbabilities(model, img, oriShape, cfg, aug, unpadded), -1) as tf.Tensor3D);
}

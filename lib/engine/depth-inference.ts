/**
 * Test-time depth prediction on raw images: normalised and padded by the model's data preprocessor, predicted, the
 * padding cut off, resized (bilinear, the head's align_corners) to the wanted size, e.g. the ground truth's; with
 * flip augmentation averaged with the mirrored prediction of the mirrored image (as BTS and AdaBins test).
 */
import * as tf from '@tensorflow/tfjs-core';
import { interpolate } from '../nn/resize.js';
import type { Segmentor } from '../segmentors/types.js';
import type { AugOptions } from './inference.js';

/** What `--aug-test` means for depth models: the horizontal flip (multi-scale is not supported). */
export const DEPTH_FLIP_AUG: AugOptions = { flip: true };

/**
 * Depth [B, oh, ow] (the head's units: metres, or relative inverse depth) of raw images [B, H, W, C] (0..255), from a
 * depth model (whose `predict` gives [B, H, W]).
 */
export function predictDepth(
  model: Segmentor,
  images: tf.Tensor4D,
  outShape: [number, number],
  aug: AugOptions = {},
): tf.Tensor3D {
  if (aug.scales?.some((s) => s !== 1)) throw new Error('depth models support flip test-time augmentation only, not multi-scale');
  return tf.tidy(() => {
    const [b, h, w] = images.shape;
    const once = (x: tf.Tensor4D): tf.Tensor4D => {
      const depth = model.predict(model.dataPreprocessor.forward(x).images) as tf.Tensor3D;
      const unpadded = tf.slice(depth, [0, 0, 0], [b, h, w]);
      return interpolate(tf.expandDims(unpadded, -1) as tf.Tensor4D, { size: outShape, alignCorners: model.decodeHead.alignCorners });
    };
    let out = once(images);
    if (aug.flip) out = tf.div(tf.add(out, tf.reverse(once(tf.reverse(images, 2)), 2)), 2);
    return tf.reshape(out, [b, ...outShape]) as tf.Tensor3D;
  });
}

/** What every depth loss does first: bring prediction and target to [B, H, W] and find the pixels with ground truth. */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { option } from '../config/declare.js';

/** The options every depth loss has; `lossName` is its default `loss_name`. */
export function depthLossOptions<N extends string>(lossName: N) {
  return {
    min_depth: option(Type.Number({ minimum: 0 }), 0, 'targets <= min_depth (and 0 = no ground truth) are ignored'),
    loss_weight: option(Type.Number({ minimum: 0 }), 1, 'factor on the loss'),
    loss_name: option(Type.String({ pattern: '^loss' }), lossName, 'key of the loss in the losses dict'),
  };
}

/** A depth loss's inputs, all [B, H, W] float32. */
export interface DepthInputs {
  pred: tf.Tensor3D;
  /** The ground truth, 0 wherever `valid` is 0 (so NaN or ∞ never meet a multiplication). */
  target: tf.Tensor3D;
  /** 1 where the target is finite and > minDepth, else 0. */
  valid: tf.Tensor3D;
}

/** [B, H, W, 1] -> [B, H, W]; [B, H, W] as it is. */
function squeezeChannel(x: tf.Tensor, what: string): tf.Tensor3D {
  if (x.rank === 3) return x as tf.Tensor3D;
  if (x.rank === 4 && x.shape[3] === 1) return tf.reshape(x, [x.shape[0]!, x.shape[1]!, x.shape[2]!]) as tf.Tensor3D;
  throw new Error(`depth ${what} must be [B, H, W] or [B, H, W, 1], got [${x.shape.join(', ')}]`);
}

/**
 * Prediction and target as [B, H, W] with the mask of valid pixels (target finite and > minDepth; 0 = no ground
 * truth). A size mismatch is an error: resize the prediction to the ground truth first.
 */
export function depthInputs(
  pred: tf.Tensor,
  target: tf.Tensor,
  minDepth: number,
): DepthInputs {
  const p = squeezeChannel(pred, 'prediction');
  const t = squeezeChannel(target, 'target');
  if (p.shape.some((n, i) => n !== t.shape[i])) {
    throw new Error(
      `depth prediction [${p.shape.join(', ')}] and target [${t.shape.join(', ')}] differ; ` +
        'resize the prediction to the ground truth first',
    );
  }
  const isValid = tf.logicalAnd(tf.greater(t, minDepth), tf.isFinite(t));
  return {
    pred: tf.cast(p, 'float32'),
    target: tf.where(isValid, tf.cast(t, 'float32'), tf.zerosLike(p)) as tf.Tensor3D,
    valid: tf.cast(isValid, 'float32') as tf.Tensor3D,
  };
}

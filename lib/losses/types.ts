import type * as tf from '@tensorflow/tfjs-core';

/** A segmentation loss: logits [B, H, W, K] against labels [B, H, W]; its value is reported under `lossName`. */
export interface SegLoss {
  readonly lossName: string;
  forward(logits: tf.Tensor4D, label: tf.Tensor3D, ignoreIndex: number): tf.Scalar;
}

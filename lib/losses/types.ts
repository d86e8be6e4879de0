import type * as tf from '@tensorflow/tfjs-core';

/** Logits [B, H, W, K], or [B, D, H, W, K] for volumes. */
export type SegLogits = tf.Tensor4D | tf.Tensor5D;
/** Class ids [B, H, W], or [B, D, H, W] for volumes. */
export type SegLabels = tf.Tensor3D | tf.Tensor4D;

/** A segmentation loss: logits against labels of the same pixels (or voxels); its value is reported under `lossName`. */
export interface SegLoss {
  readonly lossName: string;
  forward(logits: SegLogits, label: SegLabels, ignoreIndex: number): tf.Scalar;
}

/**
 * A depth loss: a prediction [B, H, W] or [B, H, W, 1] (a depth head's output) against ground-truth depth in metres
 * of the same size ([B, H, W] or [B, H, W, 1]), where 0 (and anything not finite) = no ground truth: such pixels
 * never contribute. Its value is reported under `lossName`. Registered in the same `loss` registry as SegLoss, as
 * mmseg registers its depth losses with the others.
 */
export interface DepthLoss {
  /** Tells depth losses from segmentation losses in a head's `loss_decode`. */
  readonly task: 'depth';
  readonly lossName: string;
  forward(pred: tf.Tensor, target: tf.Tensor): tf.Scalar;
}

/** Whether a loss from the registry is a depth loss (else a segmentation loss). */
export function isDepthLoss(loss: SegLoss | DepthLoss): loss is DepthLoss {
  return (loss as DepthLoss).task === 'depth';
}

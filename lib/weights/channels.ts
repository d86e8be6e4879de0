/** PyTorch's channels-first tensors (NCHW, NCDHW) to and from segvit's channels-last tensors. */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorRecord } from './record.js';

/** A float32 channels-first record as a channels-last tensor: [N, C, ...spatial] -> [N, ...spatial, C]. */
export function channelsLast(record: TensorRecord): tf.Tensor {
  const perm = [0, ...record.shape.slice(2).map((_, i) => i + 2), 1];
  return tf.tidy(() => tf.transpose(tf.tensor(record.data as Float32Array, record.shape), perm));
}

/** A channels-last tensor as a float32 channels-first record: [N, ...spatial, C] -> [N, C, ...spatial]. */
export function channelsFirstRecord(t: tf.Tensor): TensorRecord {
  const perm = [0, t.rank - 1, ...t.shape.slice(1, -1).map((_, i) => i + 1)];
  const first = tf.transpose(t, perm);
  const record: TensorRecord = { dtype: 'F32', shape: first.shape, data: first.dataSync() as Float32Array };
  first.dispose();
  return record;
}

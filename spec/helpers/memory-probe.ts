/** Tensor-memory probes for tests of what a backward pass keeps alive. */
import * as tf from '@tensorflow/tfjs-core';

/** x passed on unchanged, recording the engine's live bytes when the backward pass reaches it. */
export function probe(x: tf.Tensor, seen: number[]): tf.Tensor {
  return tf.customGrad((t) => ({
    value: tf.clone(t as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      seen.push(tf.memory().numBytes);
      return dy;
    },
  }))(x);
}

/**
 * x passed on unchanged; when the backward pass reaches it, records whether `watched`'s data is still held (by
 * anything: a saved copy shares it), in `seen.alive`.
 */
export function watchData(x: tf.Tensor, watched: () => tf.Tensor, seen: { alive?: boolean }): tf.Tensor {
  return tf.customGrad((t) => ({
    value: tf.clone(t as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      seen.alive = tf.backend().refCount(watched().dataId) > 0;
      return dy;
    },
  }))(x);
}

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

/**
 * `view`: tf.reshape whose gradient keeps nothing of its input alive. tfjs's Reshape gradient saves the input tensor
 * only to read its shape, so every reshape holds its input's buffer until the step's gradients are computed, even
 * where nothing else needs it (a Linear's output before a residual add, attention's qkv before the heads are split).
 * Here the gradient reads the shape, which stays known after the input is freed.
 */
import * as tf from '@tensorflow/tfjs-core';

export function view<T extends tf.Tensor>(x: tf.Tensor, shape: number[]): T {
  const reshape = tf.customGrad((input) => {
    const t = input as tf.Tensor;
    return { value: tf.reshape(t, shape), gradFunc: (dy: tf.Tensor) => tf.reshape(dy, t.shape) };
  });
  return reshape(x) as T;
}

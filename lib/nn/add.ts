/**
 * `add`: a + b with broadcasting, whose gradient keeps neither input alive. tfjs's Add saves both inputs only to
 * read their shapes, so every residual sum, bias and attention bias held its inputs' buffers until the step's
 * gradients were computed: a Linear's output before its bias, a block's branch before the residual, attention
 * logits before the relative position bias. Here the gradient reads the shapes, which stay known after the inputs
 * are freed.
 */
import * as tf from '@tensorflow/tfjs-core';

/** dy summed over the axes `shape` was broadcast along, in `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

export function add<T extends tf.Tensor>(a: tf.Tensor, b: tf.Tensor): T {
  const sum = tf.customGrad((x, y) => {
    const [first, second] = [x as tf.Tensor, y as tf.Tensor];
    return {
      value: tf.add(first, second),
      gradFunc: (dy: tf.Tensor) => [unbroadcast(dy, first.shape), unbroadcast(dy, second.shape)],
    };
  });
  return sum(a, b) as T;
}

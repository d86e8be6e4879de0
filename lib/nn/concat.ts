/**
 * `concat`: tf.concat whose gradient keeps none of its inputs alive. tfjs's Concat saves every input only to read
 * their sizes along the axis, so the maps a head resizes and concatenates (UPerNet's fused levels, PSP's pooled
 * maps) stayed in memory next to their concatenation until the step's gradients were computed.
 */
import * as tf from '@tensorflow/tfjs-core';

export function concat<T extends tf.Tensor>(tensors: tf.Tensor[], axis: number): T {
  if (tensors.length === 1) return tensors[0] as T;
  const joined = tf.customGrad((...inputs) => {
    const parts = inputs.slice(0, tensors.length) as tf.Tensor[];
    const at = axis < 0 ? parts[0].rank + axis : axis;
    const sizes = parts.map((t) => t.shape[at]);
    return { value: tf.concat(parts, at), gradFunc: (dy: tf.Tensor) => tf.split(dy, sizes, at) };
  });
  return joined(...tensors) as T;
}

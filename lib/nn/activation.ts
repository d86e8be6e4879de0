import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { GELU as GELU_KERNEL } from '../kernels/gelu.js';

/**
 * Exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)): segvit's single-pass kernel where the backend has it (cpu, wasm),
 * else as tf ops.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(GELU_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** `nn.GELU()`: the exact form, not the tanh approximation. */
export class GELU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}

/**
 * max(x, 0), whose gradient keeps its output instead of its input (y > 0 exactly where x > 0). tfjs's Relu keeps
 * its input: after a conv and a norm, that is the norm's output, which nothing else needs, while the output is kept
 * by the next layer anyway.
 */
export function relu(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((t, save) => {
    const y = tf.relu(t as tf.Tensor);
    (save as tf.GradSaveFunc)([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, [kept]: tf.Tensor[]) => tf.mul(dy, tf.step(kept)) };
  });
  return op(x);
}

/** `nn.ReLU()`. */
export class ReLU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}

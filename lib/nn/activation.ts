import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';

/** `nn.GELU()`: the exact form x·Φ(x) = x/2·(1 + erf(x/√2)), not the tanh approximation. */
export class GELU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
  }
}

/** `nn.ReLU()`. */
export class ReLU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}
